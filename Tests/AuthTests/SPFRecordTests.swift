import Auth
import DNS
import Testing

@Suite("SPF record parsing")
struct SPFRecordTests {
    @Test("the RFC 7208 §3 example parses into its three directives")
    func rfcExample() throws {
        let record = try SPFRecord(parsing: "v=spf1 +mx a:colo.example.com/28 -all")

        #expect(record.directives.map(\.text) == ["+mx", "a:colo.example.com/28", "-all"])
        #expect(record.directives.map(\.qualifier) == [.pass, .pass, .fail])
        guard case .a(let spec?, let lengths) = record.directives[1].mechanism else {
            Issue.record("a: not parsed as a with a domain-spec")
            return
        }
        #expect(spec.text == "colo.example.com")
        #expect(lengths == SPFDirective.CIDRLengths(ipv4: 28, ipv6: 128))
        #expect(record.hasAll)
    }

    @Test("dual-cidr-length: /ip4, //ip6, or both (RFC 7208 §5.6)")
    func dualCIDR() throws {
        let record = try SPFRecord(parsing: "v=spf1 a/24//64 mx//48 a:example.com/16 mx:mx.example.com")
        let lengths = record.directives.compactMap { directive -> SPFDirective.CIDRLengths? in
            switch directive.mechanism {
            case .a(_, let lengths), .mx(_, let lengths): lengths
            default: nil
            }
        }
        #expect(lengths == [
            .init(ipv4: 24, ipv6: 64), .init(ipv4: 32, ipv6: 48), .init(ipv4: 16, ipv6: 128), .init(),
        ])
    }

    @Test("modifiers: redirect and exp are kept, unknown ones are checked and ignored (RFC 7208 §6)")
    func modifiers() throws {
        let record = try SPFRecord(parsing: "v=spf1 ip6:2001:db8::/32 moo.cow-far_out=man:dog/cat exp=why.%{d} redirect=_spf.example.com")

        #expect(record.directives.count == 1)
        #expect(record.redirect?.text == "_spf.example.com")
        #expect(record.explanation?.text == "why.%{d}")
    }

    @Test("version: exactly v=spf1, any case, then a space or the end (RFC 7208 §4.5)")
    func version() {
        #expect(SPFRecord.isSPFRecord(Array("v=spf1".utf8)))
        #expect(SPFRecord.isSPFRecord(Array("V=SpF1 -all".utf8)))
        #expect(!SPFRecord.isSPFRecord(Array("v=spf10".utf8)))
        #expect(!SPFRecord.isSPFRecord(Array("v=spf1mx".utf8)))
        #expect(!SPFRecord.isSPFRecord(Array(" v=spf1".utf8)))
    }

    /// Records with one syntax error each, and the words the reason must carry.
    static let syntaxErrors: [(record: String, reasonMentions: String)] = [
        ("v=spf1 ip4:192.0.2.1 -all moo", "unknown mechanism"),
        ("v=spf1 -all ip:10.0.0.1", "unknown mechanism"),
        ("v=spf1 redirect:example.com", "unknown mechanism"),
        ("v=spf1 -all/8", "all"),
        ("v=spf1 a/33", "CIDR"),
        ("v=spf1 mx//129", "CIDR"),
        ("v=spf1 ip4:192.0.2.1/032", "CIDR"),
        ("v=spf1 ip4:192.0.2", "IPv4"),
        ("v=spf1 ip4:192.0.2.01", "IPv4"),
        ("v=spf1 ip4:192.0.2.1//32", "CIDR"),
        ("v=spf1 ip6::CAFE::BABE", "IPv6"),
        ("v=spf1 include:", "domain-spec"),
        ("v=spf1 a:museum", "top label"),
        ("v=spf1 a:111.222.33.44", "top label"),
        ("v=spf1 a:example.-com", "top label"),
        ("v=spf1 exists:%(ir).sbl.example.org", "'%'"),
        ("v=spf1 exists:foo%.sbl.example.org", "'%'"),
        ("v=spf1 a:%{a}.example.com", "macro letter"),
        ("v=spf1 -all exp=%{r}.example.com", "explanation text"),
        ("v=spf1 exists:%{d0}.example.com", "zero"),
        ("v=spf1 exists:%{d2", "macro"),
        ("v=spf1 -all foo=%abc", "'%'"),
        ("v=spf1 1up=foo", "name"),
        ("v=spf1 =all", "name"),
        ("v=spf1 -foo=bar", "qualifier"),
        ("v=spf1 exp= -all", "domain-spec"),
        ("v=spf1 redirect=a.example.com redirect=b.example.com", "second redirect"),
        ("v=spf1 exp=a.example.com exp=b.example.com", "second exp"),
        ("v=spf1 a:ctrl.example.com\rptr -all", "U+D"),
        ("v=spf1 a:\u{FEFF}garbage.example.net -all", "U+FEFF"),
        ("v=spf1 ip4:192.0.2.5\n include:example.net ~all", "U+A"),
    ]

    @Test("a syntax error anywhere is reported with its reason (RFC 7208 §4.6)", arguments: syntaxErrors)
    func syntaxError(_ example: (record: String, reasonMentions: String)) {
        #expect {
            try SPFRecord(parsing: example.record)
        } throws: { error in
            "\(error)".contains(example.reasonMentions) && "\(error)".contains("RFC 7208 §")
        }
    }

    @Test("a domain-spec may hold any visible character before its top label (RFC 7208 §7.1)")
    func oddButValidDomainSpecs() throws {
        let record = try SPFRecord(parsing: "v=spf1 a:foo:bar/baz.example.com mx:_spf.%{d2} a:foo.example.xn--zckzah")
        #expect(record.directives.count == 3)
    }
}
