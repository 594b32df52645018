import Auth
import Foundation
import Testing
import TestSupport
@testable import Store

/// Importing the history file that Debian's OpenDMARC 1.4.2 wrote for six messages (see
/// Tests/Fixtures/opendmarc-history/PROVENANCE.md).
@Suite(.serialized)
struct OpenDMARCImportTests {
    let database: TemporaryDatabase
    let store: HistoryStore
    let fixture = Fixtures.url("opendmarc-history/opendmarc-1.4.2.dat").path

    init() throws {
        database = try TemporaryDatabase()
        store = try HistoryStore.open(path: database.path)
    }

    /// Imports a history file with the given text.
    private func importHistory(_ text: String) throws -> OpenDMARCImportSummary {
        let file = database.directory.appendingPathComponent("history.dat")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try store.importOpenDMARCHistory(path: file.path)
    }

    private func byJob() throws -> [String: HistoryRecord] {
        Dictionary(uniqueKeysWithValues: try store.evaluations(limit: 1_000).map { ($0.queueID!, $0) })
    }

    @Test func everyRecordArrivesWithItsDomainsAddressesAndResults() throws {
        let summary = try store.importOpenDMARCHistory(path: fixture)
        #expect(summary == OpenDMARCImportSummary(imported: 6, alreadyPresent: 0, problems: []))

        let records = try byJob()
        let passing = try #require(records["3F1A2B001"])
        #expect(passing.reporter == "mx.example.test")
        #expect(passing.clientIP == "192.0.2.10")
        #expect(passing.headerFromDomain == "example.net" && passing.mailFromDomain == "example.net")
        #expect(passing.policyDomain == "example.net")
        #expect(passing.dmarcResult == .pass && passing.disposition == .pass)
        #expect(passing.spfAligned && passing.dkimAligned)
        #expect(passing.spf == .init(domain: "example.net", scope: .mfrom, result: "pass"))
        #expect(passing.dkim == [.init(domain: "example.net", selector: "sel1", result: "pass")])
        #expect(passing.policy == .init(p: .reject, sp: .quarantine, adkim: .strict, aspf: .relaxed, percent: 100,
                                        aggregateReportURIs: ["mailto:dmarc@example.net"], discoveryMethod: .psl))
        #expect(passing.arcResult == nil, "arc 7 with an empty chain list means no ARC set")
        #expect(passing.time == Date(timeIntervalSince1970: 1_795_940_534))

        let forged = try #require(records["3F1A2B002"])
        #expect(forged.clientIP == "198.51.100.7" && forged.mailFromDomain == "spammer.example")
        #expect(forged.dmarcResult == .fail && forged.requestedDisposition == .reject)
        #expect(forged.disposition == .none && forged.overrideReason == .localPolicy)
        #expect(forged.spf?.result == "fail" && forged.dkim.map(\.result) == ["fail"])

        let shop = try #require(records["3F1A2B003"])
        #expect(shop.clientIP == "2001:db8::25")
        #expect(shop.requestedDisposition == .quarantine && shop.spf?.result == "softfail" && shop.dkim.isEmpty)
        #expect(shop.policy?.aggregateReportURIs == ["mailto:a@example.net", "mailto:b@reports.example.org"])
        #expect(shop.policy?.sp == nil)

        let list = try #require(records["3F1A2B004"])
        #expect(list.dkim.map { "\($0.domain!)/\($0.selector!)=\($0.result)" }
                == ["example.org/s2024=pass", "esp.example/esp=fail"])
        #expect(list.policy?.p == DMARCPolicy.none && list.policy?.percent == 50 && list.policy?.aggregateReportURIs == [])

        let unprotected = try #require(records["3F1A2B005"])
        #expect(unprotected.dmarcResult == .none && unprotected.policy == nil && unprotected.policyDomain == nil)
        #expect(unprotected.spf?.result == "neutral")

        let unchecked = try #require(records["3F1A2B006"])
        #expect(unchecked.spf == nil, "spf -1: not evaluated")
        #expect(unchecked.dmarcResult == .fail)
    }

    @Test func importingTheSameFileAgainAddsNothing() throws {
        _ = try store.importOpenDMARCHistory(path: fixture)
        let again = try store.importOpenDMARCHistory(path: fixture)
        #expect(again.imported == 0 && again.alreadyPresent == 6)
        #expect(try store.evaluationCount() == 6)
    }

    @Test func importKeysStayWhatEarlierVersionsStored() throws {
        // Keys as the first released import stored them: a file imported then and again now
        // must still add nothing.
        _ = try store.importOpenDMARCHistory(path: fixture)
        let keys = try byJob().mapValues(\.importKey)
        #expect(keys["3F1A2B001"] == 6_611_954_910_221_189_186)
        #expect(keys["3F1A2B006"] == -2_897_759_074_710_257_821)
    }

    @Test func domainsAreStoredInLowerCaseAndKeysOfLaterVersionsAreSkipped() throws {
        let text = """
            job UPPER1
            received 1795940534
            ipaddr 192.0.2.10
            from Example.NET
            mfrom Bounce.Example.NET
            dkim Example.NET Sel1 0
            spf 0
            pdomain EXAMPLE.net
            policy 15
            adkim 114
            aspf 114
            p 114
            align_dkim 4
            align_spf 5
            spf_ipv6_count 0
            action 2

            """

        let summary = try importHistory(text)

        #expect(summary.imported == 1 && summary.problems.isEmpty)
        let record = try #require(try byJob()["UPPER1"])
        #expect(record.headerFromDomain == "example.net" && record.mailFromDomain == "bounce.example.net")
        #expect(record.policyDomain == "example.net")
        #expect(record.dkim.map(\.domain) == ["example.net"] && record.dkim.map(\.selector) == ["Sel1"])
    }

    @Test func badRecordsAreReportedByLineAndTheRestIsImported() throws {
        // Given the fixture with a stray line before the first record, a record whose received
        // time is not a number, and one with an unknown policy code
        let good = try String(contentsOfFile: fixture, encoding: .utf8)
        let text = """
            reporter stray
            job BAD1
            received yesterday
            policy 15
            action 2
            job BAD2
            received 1795940000
            policy 99
            action 2

            """ + good

        let summary = try importHistory(text)

        #expect(summary.imported == 6)
        #expect(summary.problems.map(\.line) == [1, 3, 6])
        #expect(summary.problems[1].reason.contains("received \"yesterday\" is not a number"))
        #expect(summary.problems[2].reason.contains("policy code 99"))
    }
}
