import Auth
import DNS
import Foundation
import GRDB
import Store
import Testing

/// The reports others send about our domains, in a real SQLite file.
@Suite struct ReceivedReportStoreTests {
    static func report(id: String = "r1", org: String = "Reporter", domain: String = "example.com",
                       begin: Int64 = 1_764_288_000) -> ReceivedReport {
        ReceivedReport(
            orgName: org, email: "dmarc@reporter.example", reportID: id, begin: begin, end: begin + 86_399,
            policyDomain: domain,
            policyPublished: .init(p: .reject, sp: .quarantine, np: .reject, adkim: .relaxed, aspf: .strict, isTesting: true,
                                   publicSuffix: .no, failureReportOptions: "1", discoveryMethod: .treewalk),
            records: [
                .init(sourceIP: IPAddress("192.0.2.1")!, count: 3, disposition: .none, dkimAligned: true, spfAligned: false,
                      reasons: [.init(type: .mailingList, comment: "list"), .init(type: .other)],
                      headerFrom: domain, envelopeFrom: "", envelopeTo: "receiver.example",
                      dkim: [.init(domain: domain, selector: "s1", result: .pass, humanResult: "good"),
                             .init(domain: "esp.example", selector: nil, result: .fail)],
                      spf: [.init(domain: "list.example", scope: "mfrom", result: .softfail)]),
                .init(sourceIP: IPAddress("2001:db8::1")!, count: 1, disposition: .reject, dkimAligned: false,
                      spfAligned: false, headerFrom: domain),
            ])
    }

    static let receipt = ReceivedReport.Receipt(source: "/var/mail/reports/1.eml", receivedAt: Date(timeIntervalSince1970: 1_764_374_400),
                                                rawSize: 1234)

    @Test func aStoredReportReadsBackAsItWasStored() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        #expect(try store.storeReceivedReport(Self.report(), receipt: Self.receipt) == .inserted)
        let stored = try store.receivedReports()
        #expect(stored == [ReceivedReport.Stored(report: Self.report(), receipt: Self.receipt)])
    }

    @Test func theSameReporterAndReportIDIsStoredOnce() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        #expect(try store.storeReceivedReport(Self.report(), receipt: Self.receipt) == .inserted)
        var changed = Self.report()
        changed.records.removeLast()
        #expect(try store.storeReceivedReport(changed, receipt: Self.receipt) == .duplicate)
        // Another reporter may use the same report id.
        #expect(try store.storeReceivedReport(Self.report(org: "Other"), receipt: Self.receipt) == .inserted)
        #expect(try store.receivedReportCount() == 2)
        #expect(try store.receivedReports().first?.report.records.count == 2)
    }

    @Test func reportsAreFoundByDomainAndTime() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        _ = try store.storeReceivedReport(Self.report(id: "old", begin: 1_000_000), receipt: Self.receipt)
        _ = try store.storeReceivedReport(Self.report(id: "new"), receipt: Self.receipt)
        _ = try store.storeReceivedReport(Self.report(id: "other", domain: "example.org"), receipt: Self.receipt)
        let since = Date(timeIntervalSince1970: 1_764_288_000)
        #expect(try store.receivedReports(domain: "example.com", since: since).map(\.report.reportID) == ["new"])
        #expect(try store.receivedReports(domain: "example.com").map(\.report.reportID) == ["old", "new"])
        #expect(try store.receivedReports(since: since).map(\.report.reportID) == ["new", "other"])
    }

    @Test func retentionDeletesOldReportsWithTheirRecordsAndResults() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        _ = try store.storeReceivedReport(Self.report(id: "old", begin: 1_000_000), receipt: Self.receipt)
        _ = try store.storeReceivedReport(Self.report(id: "new"), receipt: Self.receipt)
        _ = try store.expire(olderThan: Date(timeIntervalSince1970: 1_764_288_000), batchSize: 100)
        #expect(try store.receivedReports().map(\.report.reportID) == ["new"])
        let queue = try DatabaseQueue(path: database.path)
        let rows = try queue.read { db in
            try ["received_record", "received_override_reason", "received_auth_result"].map { table in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1
            }
        }
        #expect(rows == [2, 2, 3])
    }
}
