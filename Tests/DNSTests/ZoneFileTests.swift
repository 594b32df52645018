import DNS
import Testing

struct ZoneFileTests {
    @Test func relativeNamesAreBelowTheOriginAndBlankOwnersRepeatThePreviousOne() throws {
        let zone = try ZoneFile("""
            $ORIGIN example.org.
            @        3600 IN A 192.0.2.1
                     IN AAAA 2001:db8::1
            www      CNAME @
            mail.example.net. MX 10 mx
            """)
        #expect(zone.entries == [
            .init(name: "example.org", ttl: 3600, data: .record(.a(IPAddress("192.0.2.1")!))),
            .init(name: "example.org", ttl: 300, data: .record(.aaaa(IPAddress("2001:db8::1")!))),
            .init(name: "www.example.org", ttl: 300, data: .alias("example.org")),
            .init(name: "mail.example.net", ttl: 300, data: .record(.mx(MXRecord(preference: 10, exchange: "mx.example.org")))),
        ])
    }

    @Test func txtStringsKeepEscapesSemicolonsAndParenthesesInsideQuotes() throws {
        let zone = try ZoneFile(#"t TXT "a\"b" "c;d (e)" \065\066 ; comment"#, origin: "x.test")
        #expect(zone.entries.first?.data == .record(.txt(TXTRecord(strings: [
            Array(#"a"b"#.utf8), Array("c;d (e)".utf8), Array("AB".utf8),
        ]))))
    }

    @Test func parenthesesJoinLinesIntoOneRecord() throws {
        let zone = try ZoneFile("""
            key TXT ( "v=DKIM1; "   ; first part
                      "p=abc" )
            """, origin: "x.test")
        #expect(zone.entries.count == 1)
        guard case .record(.txt(let txt)) = zone.entries[0].data else {
            Issue.record("expected TXT")
            return
        }
        #expect(txt.text == "v=DKIM1; p=abc")
    }

    @Test(arguments: [
        ("a TXT \"open", "unterminated quoted string"),
        ("a A 300.1.1.1", "not an IPv4 address"),
        ("a AAAA 192.0.2.1", "not an IPv6 address"),
        ("a MX mx", "MX takes a preference and a host"),
        ("a SRV 0 0 0 x", "unsupported record type SRV"),
        ("a TXT ( \"x\"", "unbalanced '('"),
        ("a TXT \"\(String(repeating: "x", count: 256))\"", "over 255"),
    ])
    func badLinesAreErrorsNamingTheLine(text: String, reason: String) {
        #expect {
            try ZoneFile("ok A 192.0.2.1\n" + text, origin: "x.test")
        } throws: { error in
            guard let error = error as? ZoneFile.ParseError else { return false }
            return error.line == 2 && error.reason.contains(reason)
        }
    }
}
