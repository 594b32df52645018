import Auth
import DNS
import Testing

@Suite("SPF macro expansion")
struct SPFMacroExpanderTests {
    /// RFC 7208 §7.4: <sender> strong-bad@email.example.com, IPv4 client 192.0.2.3.
    static let rfcExpander = SPFMacroExpander(
        sender: "strong-bad@email.example.com", clientIP: IPAddress("192.0.2.3")!, helo: "mx.example.org",
        timestamp: 0)

    /// Every expansion example of RFC 7208 §7.4, with <domain> email.example.com.
    static let rfcExamples: [(macro: String, expansion: String)] = [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ]

    @Test("RFC 7208 §7.4 examples", arguments: rfcExamples)
    func rfcExample(_ example: (macro: String, expansion: String)) throws {
        let macro = try SPFMacroString(example.macro, context: .explanation)
        #expect(Self.rfcExpander.expand(macro, domain: "email.example.com") == example.expansion)
    }

    @Test("RFC 7208 §7.4 IPv6 example: %{ir} gives the reversed nibbles")
    func ipv6Example() throws {
        let expander = SPFMacroExpander(
            sender: "strong-bad@email.example.com", clientIP: IPAddress("2001:db8::cb01")!, helo: "", timestamp: 0)
        let expansion = expander.expand(try SPFMacroString("%{ir}.%{v}._spf.%{d2}", context: .domainSpec), domain: "email.example.com")
        // The RFC prints the nibbles in lower case; they are upper case here as in pyspf and
        // Mail::SPF, whose suites check explanation text. DNS ignores the case.
        #expect(expansion.lowercased()
            == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com")
    }

    @Test("%%, %_ and %- are a percent sign, a space and a URL-escaped space (RFC 7208 §7.1)")
    func escapes() throws {
        let macro = try SPFMacroString("macro%%percent%_%_space%-url-space.example.com", context: .domainSpec)
        #expect(Self.rfcExpander.expand(macro, domain: "x") == "macro%percent  space%20url-space.example.com")
    }

    @Test("upper-case macros are URL-escaped outside the RFC 3986 unreserved set (RFC 7208 §7.3)")
    func urlEscaping() throws {
        let expander = SPFMacroExpander(
            sender: "~jack&jill=up-a_b3.c@e8.example.com", clientIP: IPAddress("192.0.2.1")!, helo: "", timestamp: 0)
        let macro = try SPFMacroString("http://example.com/why.html?l=%{L}", context: .explanation)
        #expect(expander.expand(macro, domain: "x") == "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c")
    }

    @Test("exp-only letters: c is the readable address, r this host, t the time (RFC 7208 §7.2, §7.3)")
    func explanationLetters() throws {
        let expander = SPFMacroExpander(
            sender: "a@example.com", clientIP: IPAddress("2001:db8::1")!, helo: "", receivingHost: "mx.example.net",
            timestamp: 1_700_000_000)
        let macro = try SPFMacroString("%{c} via %{r} at %{t}", context: .explanation)
        #expect(expander.expand(macro, domain: "x") == "2001:db8::1 via mx.example.net at 1700000000")
    }

    @Test("a missing local-part is postmaster (RFC 7208 §4.3)")
    func postmaster() throws {
        let expander = SPFMacroExpander(sender: "@example.net", clientIP: IPAddress("192.0.2.1")!, helo: "", timestamp: 0)
        #expect(expander.sender == "postmaster@example.net")
        #expect(expander.expand(try SPFMacroString("%{l}", context: .explanation), domain: "x") == "postmaster")
    }

    @Test("an IPv4-mapped client expands as IPv4 (RFC 7208 §5)")
    func mappedClient() throws {
        let expander = SPFMacroExpander(sender: "a@example.com", clientIP: IPAddress("::ffff:192.0.2.3")!, helo: "", timestamp: 0)
        #expect(expander.expand(try SPFMacroString("%{ir}.%{v}", context: .domainSpec), domain: "x") == "3.2.0.192.in-addr")
    }

    @Test("a huge DIGIT means all parts; a domain over 253 characters loses labels on the left (RFC 7208 §7.3)")
    func absurdDigitsAndTruncation() throws {
        let all = try SPFMacroString("%{d99999999999999999999999}", context: .domainSpec)
        #expect(Self.rfcExpander.expand(all, domain: "a.b.c") == "a.b.c")

        let long = try SPFMacroString(String(repeating: "%{o}.", count: 20) + "example.com", context: .domainSpec)
        let target = Self.rfcExpander.targetName(long, domain: "x")
        // 371 characters; whole labels go until 249 remain.
        #expect(target.utf8.count == 249)
        #expect(target.hasPrefix("com.email.example.com."))
        #expect(target.hasSuffix(".email.example.com.example.com"))
    }

    @Test("delimiters split, parts rejoin with dots (RFC 7208 §7.3)")
    func delimiters() throws {
        let expander = SPFMacroExpander(sender: "foo-bar+zip+quux@e12.example.com", clientIP: IPAddress("1.2.3.4")!, helo: "", timestamp: 0)
        #expect(expander.expand(try SPFMacroString("%{l2r+-}", context: .domainSpec), domain: "x") == "bar.foo")
        #expect(expander.expand(try SPFMacroString("%{l+}", context: .domainSpec), domain: "x") == "foo-bar.zip.quux")
    }
}
