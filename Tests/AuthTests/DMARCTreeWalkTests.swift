@testable import Auth
import DNS
import Testing

@Suite("DNS Tree Walk (RFC 9989 §4.10)")
struct DMARCTreeWalkTests {
    @Test("the RFC's example of a full walk: eight names")
    func rfcExampleTargets() {
        #expect(DMARCTreeWalk.targets(from: "a.b.c.d.e.f.g.h.i.j.mail.example.com") == [
            "a.b.c.d.e.f.g.h.i.j.mail.example.com", "g.h.i.j.mail.example.com", "h.i.j.mail.example.com",
            "i.j.mail.example.com", "j.mail.example.com", "mail.example.com", "example.com", "com",
        ])
    }

    @Test("names of one to eight labels are walked label by label", arguments: 1...8)
    func shortNames(_ labels: Int) {
        let name = (1...labels).map { "l\($0)" }.joined(separator: ".")
        let targets = DMARCTreeWalk.targets(from: name)
        #expect(targets.count == labels)
        #expect(targets.last == "l\(labels)")
    }

    @Test("longer names never take more than eight queries", arguments: [9, 20, 127])
    func longNames(_ labels: Int) {
        let name = (1...labels).map { "l\($0)" }.joined(separator: ".")
        let targets = DMARCTreeWalk.targets(from: name)
        #expect(targets.count == DMARCTreeWalk.maximumQueries)
        #expect(targets[1].split(separator: ".").count == 7)
    }

    static func finding(_ domain: String, _ text: String) -> DMARCTreeWalk.Finding {
        DMARCTreeWalk.Finding(domain: domain, record: try! DMARCRecord(parsing: text))
    }

    @Test("the §4.10.2 examples of Organizational Domain selection")
    func selectionExamples() {
        let start = "a.mail.example.com"
        #expect(DMARCTreeWalk.organizationalDomain(of: start, findings: [
            Self.finding("mail.example.com", "v=DMARC1"), Self.finding("example.com", "v=DMARC1"),
        ]) == "example.com")
        #expect(DMARCTreeWalk.organizationalDomain(of: start, findings: [
            Self.finding("mail.example.com", "v=DMARC1; psd=n"),
        ]) == "mail.example.com")
        #expect(DMARCTreeWalk.organizationalDomain(of: start, findings: [
            Self.finding("com", "v=DMARC1; psd=y"),
        ]) == "example.com")
        #expect(DMARCTreeWalk.organizationalDomain(of: start, findings: []) == start)
    }

    @Test("psd=y at the starting domain does not push the Organizational Domain below it")
    func publicSuffixAtStart() {
        #expect(DMARCTreeWalk.organizationalDomain(of: "bank.example", findings: [
            Self.finding("bank.example", "v=DMARC1; psd=y"),
        ]) == "bank.example")
    }

    @Test("a walk stops at the first record with psd=y or psd=n")
    func walkStops() async throws {
        let resolver = try StaticResolver(zone: """
            _dmarc.mail.example.com. TXT "v=DMARC1; psd=n"
            _dmarc.example.com. TXT "v=DMARC1; p=reject"
            """)
        var lookup = DMARCRecordLookup(resolver: resolver, limit: 40)
        let findings = try await DMARCTreeWalk.walk(from: "a.mail.example.com", lookup: &lookup)
        #expect(findings.map(\.domain) == ["mail.example.com"])
        #expect(lookup.queries == ["_dmarc.a.mail.example.com", "_dmarc.mail.example.com"])
    }

    @Test("the query limit stops a walk with a permanent failure")
    func queryLimit() async throws {
        var lookup = DMARCRecordLookup(resolver: StaticResolver(), limit: 3)
        await #expect(throws: DMARCLookupFailure.queryLimit(3)) {
            try await DMARCTreeWalk.walk(from: "a.b.c.d.example.com", lookup: &lookup)
        }
        #expect(lookup.queries.count == 3)
    }

    @Test("each _dmarc name is asked once per message")
    func answersAreRemembered() async throws {
        var lookup = DMARCRecordLookup(resolver: StaticResolver(), limit: 40)
        _ = try await DMARCTreeWalk.walk(from: "a.example.com", lookup: &lookup)
        _ = try await DMARCTreeWalk.walk(from: "b.example.com", lookup: &lookup)
        #expect(lookup.queries == ["_dmarc.a.example.com", "_dmarc.example.com", "_dmarc.com", "_dmarc.b.example.com"])
    }
}
