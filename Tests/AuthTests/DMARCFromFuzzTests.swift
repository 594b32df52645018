import Auth
import DNS
import Testing
import TestSupport

@Suite("Hostile From fields and DMARC records")
struct DMARCFromFuzzTests {
    /// Pieces that exercise every branch of the address grammar, and some that are not in it.
    static let pieces: [String] = [
        "a", "jane", "example", "com", "bank.example", ".", "..", "@", "<", ">", "\"", "\\", "(", ")", "[", "]",
        ",", ";", ":", " ", "\t", "\r\n ", "\n", "\r", "=?utf-8?q?", "=?UTF-8?B?", "?=", "=?", "_", "=C3=A9", "é",
        "食狮", "\u{0}", "\u{7F}", "\u{1}", "xn--", "-", "Group:", "@[192.0.2.1]", "<@relay:", "\u{FFFD}", "\u{202E}",
        "Ä", "𝔘", "=?koi8-r?b?8NLJ18XU?=", "undisclosed-recipients:;", "a@example.com", "Jane <jane@example.com>",
    ]

    static func randomValue(_ generator: inout SeededGenerator) -> String {
        switch generator.next() % 50 {
        case 0:
            return String(repeating: "(", count: Int(generator.next() % 5000))
        case 1:
            return String(repeating: "a.", count: Int(generator.next() % 3000)) + "@x"
        case 2:
            let scalars = (0..<Int(generator.next() % 64)).compactMap { _ in Unicode.Scalar(UInt32(generator.next() % 0x11_0000)) }
            return String(String.UnicodeScalarView(scalars))
        case 3..<25:
            return wellFormedThenMutated(&generator)
        default:
            let count = Int(generator.next() % 40)
            return (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
        }
    }

    /// A valid address list with a few random pieces inserted, replaced or removed.
    static func wellFormedThenMutated(_ generator: inout SeededGenerator) -> String {
        let names = ["", "Jane ", "\"Doe, Jane\" ", "=?utf-8?q?J=C3=A9r=C3=B4me?= ", "John Q. Public ", "(c) "]
        let locals = ["jane", "j.doe", "\"j d\"", "a..b", "δοκιμή"]
        let domains = ["example.com", "bank.example", "mail.example.com", "bücher.example", "[192.0.2.1]", "EXAMPLE.COM"]
        func pick(_ list: [String]) -> String { list[Int(generator.next() % UInt64(list.count))] }
        let addresses = (0...Int(generator.next() % 3)).map { _ in
            "\(pick(names))<\(pick(locals))@\(pick(domains))>"
        }
        var text = Array(generator.next() % 4 == 0 ? "Team: " + addresses.joined(separator: ", ") + ";"
                                                   : addresses.joined(separator: ", "))
        for _ in 0..<Int(generator.next() % 3) where !text.isEmpty {
            let position = Int(generator.next() % UInt64(text.count))
            switch generator.next() % 3 {
            case 0: text.insert(contentsOf: pick(pieces), at: position)
            case 1: text.remove(at: position)
            default: text[position] = pick(pieces).first ?? " "
            }
        }
        return String(text)
    }

    @Test("10,000 random From values are parsed and evaluated without a crash or a hang", .timeLimit(.minutes(2)))
    func randomFromValues() async throws {
        var generator = SeededGenerator(seed: 0x5EED_DA7A_2026)
        let resolver = try StaticResolver(zone: """
            _dmarc.example.com. TXT "v=DMARC1; p=reject"
            _dmarc.bank.example. TXT "v=DMARC1; p=quarantine; psd=y"
            """)
        let evaluator = DMARCEvaluator(resolver: resolver)
        var readable = 0
        for _ in 0..<10_000 {
            let fieldCount = generator.next() % 10 == 0 ? 2 : 1
            let fields = (0..<fieldCount).map { _ in Self.randomValue(&generator) }
            if let entries = try? MailboxListParser.parseAddressList(fields[0]) {
                readable += 1
                #expect(!entries.isEmpty)
                #expect(entries.flatMap(\.mailboxes).allSatisfy { !$0.domain.isEmpty })
            }
            _ = try? MailboxListParser.parseMailboxList(fields[0])
            let outcome = await evaluator.evaluate(DMARCInput(fromFields: fields, spf: .pass("example.com"),
                                                               dkim: [.pass("bank.example")]))
            #expect(!outcome.reason.isEmpty)
            #expect(outcome.queries.count <= DMARCEvaluator.Limits().dnsQueries)
            if outcome.authorDomainProblem == nil { #expect(outcome.authorDomain != nil) }
        }
        // The generator must reach the grammar, not only its error paths.
        #expect(readable > 500)
    }

    /// Pieces of DMARC records, valid and not.
    static let recordPieces: [String] = [
        "v=DMARC1", "v", "=", ";", " ", "\t", "p", "sp", "np", "reject", "none", "quarantine", "rua", "ruf",
        "mailto:a@example.com", "!", "10m", "99999999999999999999999", ",", "%", "%2C", "fo", "0:1:d:s", ":", "pct",
        "100", "-1", "psd", "y", "t", "adkim", "s", "\u{0}", "é", "\u{FFFD}", "v=DMARC1;",
    ]

    @Test("10,000 random TXT records are parsed without a crash", .timeLimit(.minutes(1)))
    func randomRecords() {
        var generator = SeededGenerator(seed: 0xD3A2_C001)
        var parsed = 0
        for _ in 0..<10_000 {
            let count = Int(generator.next() % 30)
            let text = (0..<count).map { _ in Self.recordPieces[Int(generator.next() % UInt64(Self.recordPieces.count))] }
                .joined()
            if let record = try? DMARCRecord(parsing: text) {
                parsed += 1
                #expect(record.text == text)
                #expect(record.percent.map { (0...100).contains($0) } ?? true)
            }
        }
        #expect(parsed > 100)
    }
}
