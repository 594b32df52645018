import Auth
import DNS
import Testing

/// Records a hostile or careless domain might publish. Each must give permerror with a reason,
/// quickly, never a crash or a hang.
@Suite("SPF bad records", .timeLimit(.minutes(1)))
struct SPFBadRecordTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var name: String
        /// TXT records by owner name; each record is its list of character-strings.
        var records: [(name: String, strings: [String])]
        var reasonMentions: String

        var testDescription: String { name }

        var zone: StaticResolver {
            var zone = StaticResolver()
            for record in records {
                zone.add(.txt(TXTRecord(strings: record.strings.map { Array($0.utf8) })), at: record.name)
            }
            return zone
        }
    }

    /// A 10,000-character record made of valid terms, in character-strings of 250.
    static let longRecord: [String] = {
        let text = "v=spf1" + String(repeating: " ip4:192.0.2.1", count: 714) + " -all"
        return stride(from: 0, to: text.count, by: 250).map {
            String(text.dropFirst($0).prefix(250))
        }
    }()

    static let examples: [Example] = [
        .init(name: "syntax error", records: [("example.com", ["v=spf1 a:example.com/ -all"])], reasonMentions: "top label"),
        .init(name: "unknown mechanism", records: [("example.com", ["v=spf1 ip:192.0.2.1 -all"])], reasonMentions: "unknown mechanism"),
        .init(name: "macro with an unknown letter", records: [("example.com", ["v=spf1 exists:%{z}.example.com"])], reasonMentions: "macro letter"),
        .init(name: "macro left open", records: [("example.com", ["v=spf1 exists:%{l1r+-.example.com -all"])], reasonMentions: "'}'"),
        .init(name: "macro keeping zero parts", records: [("example.com", ["v=spf1 exists:%{i0}.example.com"])], reasonMentions: "zero"),
        .init(name: "percent sign alone", records: [("example.com", ["v=spf1 exists:100%.example.com"])], reasonMentions: "'%'"),
        .init(name: "include of itself", records: [("example.com", ["v=spf1 include:example.com -all"])], reasonMentions: "DNS-querying terms"),
        .init(
            name: "includes in a circle",
            records: [("example.com", ["v=spf1 include:a.example.net -all"]), ("a.example.net", ["v=spf1 include:example.com"])],
            reasonMentions: "DNS-querying terms"),
        .init(name: "redirect to itself", records: [("example.com", ["v=spf1 redirect=example.com"])], reasonMentions: "DNS-querying terms"),
        .init(
            name: "redirect through a macro to itself",
            records: [("example.com", ["v=spf1 redirect=%{d}"])], reasonMentions: "DNS-querying terms"),
        .init(name: "10,000-character record", records: [("example.com", longRecord)], reasonMentions: "over the limit"),
        .init(
            name: "eleven DNS-querying terms",
            records: [
                ("example.com", ["v=spf1" + String(repeating: " include:neutral.example.com", count: 11) + " -all"]),
                ("neutral.example.com", ["v=spf1 ?all"]),
            ],
            reasonMentions: "more than 10 DNS-querying terms"),
        .init(
            name: "three lookups that find nothing",
            records: [("example.com", ["v=spf1" + String(repeating: " exists:%{i}.example.com", count: 3) + " -all"])],
            reasonMentions: "more than 2 void lookups"),
        .init(
            name: "two SPF records",
            records: [("example.com", ["v=spf1 -all"]), ("example.com", ["v=spf1 +all"])], reasonMentions: "2 SPF records"),
        .init(name: "include of a domain without SPF", records: [("example.com", ["v=spf1 include:nowhere.example -all"])], reasonMentions: "RFC 7208 §5.2"),
        .init(name: "control character", records: [("example.com", ["v=spf1 a\t-all"])], reasonMentions: "U+9"),
    ]

    @Test("permerror with a reason", arguments: examples)
    func permerror(_ example: Example) async {
        let outcome = await SPFEvaluator(resolver: example.zone)
            .checkMailFrom("someone@example.com", helo: "mail.example.org", clientIP: IPAddress("192.0.2.99")!)

        #expect(outcome.result == .permerror)
        #expect(outcome.reason?.contains(example.reasonMentions) == true, "\(outcome)")
    }

    @Test("an expansion of thousands of characters is shortened to a domain name, not an error")
    func hugeExpansion() async {
        var zone = StaticResolver()
        zone.add(.txt(TXTRecord("v=spf1 exists:" + String(repeating: "%{s}", count: 900) + ".example.com -all")), at: "example.com")

        let outcome = await SPFEvaluator(resolver: zone)
            .checkMailFrom("someone@example.com", helo: "mail.example.org", clientIP: IPAddress("192.0.2.99")!)

        #expect(outcome.result == .fail)
    }

    @Test("an MX set of more than ten names is permerror once the eleventh is needed (RFC 7208 §4.6.4)")
    func tooManyMX() async {
        var zone = StaticResolver()
        zone.add(.txt(TXTRecord("v=spf1 mx -all")), at: "example.com")
        for index in 1...12 {
            zone.add(.mx(MXRecord(preference: UInt16(index), exchange: "mx\(index).example.com")), at: "example.com")
            zone.add(.a(IPAddress("192.0.2.\(index)")!), at: "mx\(index).example.com")
        }
        let evaluator = SPFEvaluator(resolver: zone)

        let early = await evaluator.checkMailFrom("a@example.com", helo: "h.example", clientIP: IPAddress("192.0.2.3")!)
        let late = await evaluator.checkMailFrom("a@example.com", helo: "h.example", clientIP: IPAddress("192.0.2.12")!)

        #expect(early.result == .pass)
        #expect(late.result == .permerror)
        #expect(late.reason == "MX example.com has 12 names, over the limit of 10 (RFC 7208 §4.6.4)")
    }
}
