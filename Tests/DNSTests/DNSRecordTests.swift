import DNS
import Testing

struct DNSRecordTests {
    @Test func txtRDataIsSplitIntoItsCharacterStrings() throws {
        let record = try DNSRecord(type: .txt, rdata: [3] + Array("abc".utf8) + [0, 2] + Array("de".utf8))
        #expect(record == .txt(TXTRecord(strings: [Array("abc".utf8), [], Array("de".utf8)])))
    }

    @Test func txtStringRunningPastTheRecordIsMalformed() {
        #expect(throws: DNSError.malformed("TXT character-string runs past the record")) {
            try DNSRecord(type: .txt, rdata: [5, 65, 66])
        }
    }

    @Test func mxNameIsReadFromItsLabels() throws {
        let rdata: [UInt8] = [0, 10, 2] + Array("mx".utf8) + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
        #expect(try DNSRecord(type: .mx, rdata: rdata) == .mx(MXRecord(preference: 10, exchange: "mx.example.com")))
    }

    @Test func nullMXHasAnEmptyExchange() throws {
        #expect(try DNSRecord(type: .mx, rdata: [0, 0, 0]) == .mx(MXRecord(preference: 0, exchange: "")))
    }

    @Test func labelBytesThatAreNotPrintableAreEscaped() throws {
        #expect(try DNSRecord(type: .ptr, rdata: [3, 0x61, 0x2E, 0x07, 0]) == .ptr("a\\.\\007"))
    }

    @Test(arguments: [
        (DNSRecordType.a, [UInt8]([1, 2, 3])),
        (.aaaa, [UInt8](repeating: 0, count: 4)),
        (.mx, [0, 10]),
        (.ptr, [5, 65]),
        (.ptr, [0xC0, 0x0C]),
    ])
    func truncatedOrCompressedDataIsMalformed(type: DNSRecordType, rdata: [UInt8]) {
        #expect(throws: DNSError.self) { try DNSRecord(type: type, rdata: rdata) }
    }
}

struct ResolvConfTests {
    @Test func nameserverLinesAreReadInOrderAndOthersIgnored() {
        let text = """
            # comment
            search example.com
            nameserver 127.0.0.53
            nameserver fe80::1%eth0
            nameserver not-an-address
            options edns0
            nameserver 2001:db8::53
            """
        #expect(ResolvConf.parseNameservers(text) == ["127.0.0.53", "fe80::1", "2001:db8::53"])
    }
}
