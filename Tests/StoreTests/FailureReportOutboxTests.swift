import Foundation
import GRDB
@testable import Store
import Testing

/// Failure reports in the outbox, on a real SQLite file: one report row holding the message,
/// one delivery per address, and due deliveries of both kinds side by side.
@Suite struct FailureReportOutboxTests {
    /// 2026-11-20T00:00:00Z.
    static let dayStart = Date(timeIntervalSince1970: 1_795_132_800)

    static let failure = NewFailureReport(
        reportID: "1795132900.1.a1b2", policyDomain: "example.com", arrivalDate: dayStart.addingTimeInterval(100),
        sender: "dmarc-reports@mx.example.test", message: Data("From: dmarc-reports@mx.example.test\r\n\r\nreport\r\n".utf8),
        recipients: ["ruf@example.com", "ruf@reports.example.net", "RUF@example.com"])

    @Test("a failure report is stored with its message and one pending delivery per address")
    func storeWithTwoDeliveries() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        let now = Self.dayStart.addingTimeInterval(101)

        let row = try store.storeFailureReport(Self.failure, at: now)

        let report = try #require(try store.outboxReport(id: row))
        #expect(report.kind == .failure)
        #expect(report.reportID == "1795132900.1.a1b2")
        #expect(report.policyDomain == "example.com")
        #expect(report.begin == Self.failure.arrivalDate && report.end == Self.failure.arrivalDate)
        #expect(report.fileName == "1795132900.1.a1b2.eml")
        #expect(report.messageCount == 1)
        #expect(report.byteCount == Self.failure.message.count)
        #expect(report.deliveries.map(\.destination) == ["ruf@example.com", "ruf@reports.example.net"],
                "an address differing only in case is one destination")
        #expect(report.state == .pending)
        #expect(try store.outboxReportFile(id: row) == Self.failure.message)
    }

    @Test("due deliveries carry their report's kind and, for a failure report, its envelope sender")
    func dueDeliveriesOfBothKinds() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        let aggregate = NewOutboxReport(reportID: "R-1", policyDomain: "example.org", fileName: "x.xml.gz", messageCount: 3,
                                        file: Data([0x1F, 0x8B]), destinations: ["mailto:dmarc@example.org"])
        try store.closeReportWindow(from: Self.dayStart.addingTimeInterval(-86_400), to: Self.dayStart,
                                    reports: [aggregate], at: Self.dayStart)
        try store.storeFailureReport(Self.failure, at: Self.dayStart.addingTimeInterval(101))

        let due = try store.dueDeliveries(at: Self.dayStart.addingTimeInterval(200))

        #expect(due.map(\.kind) == [.aggregate, .failure, .failure])
        #expect(due.map(\.sender) == [nil, "dmarc-reports@mx.example.test", "dmarc-reports@mx.example.test"])
        #expect(due.map(\.destination) == ["mailto:dmarc@example.org", "ruf@example.com", "ruf@reports.example.net"])
        #expect(due[1].allDestinations == ["ruf@example.com", "ruf@reports.example.net"])
        #expect(try store.outboxReports().map(\.kind) == [.failure, .aggregate])
        // Not due before it was stored.
        #expect(try store.dueDeliveries(at: Self.dayStart.addingTimeInterval(50)).map(\.kind) == [.aggregate])
    }

    @Test("retention removes finished failure reports like aggregate ones and keeps those still waiting")
    func retentionCoversFailureReports() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        let row = try store.storeFailureReport(Self.failure, at: Self.dayStart.addingTimeInterval(101))
        let cutoff = Self.dayStart.addingTimeInterval(86_400)
        #expect(try store.expireOutboxReports(olderThan: cutoff) == 0, "its deliveries still wait")

        for delivery in try store.dueDeliveries(at: cutoff) {
            try store.markDeliverySent(delivery.id, at: Self.dayStart.addingTimeInterval(102))
        }

        #expect(try store.expireOutboxReports(olderThan: cutoff) == 1)
        #expect(try store.outboxReport(id: row) == nil)
    }

    @Test("a database from before migration 5 keeps its aggregate reports, now of kind aggregate, and takes failure reports")
    func upgradeKeepsAggregateReports() throws {
        let database = try TemporaryDatabase()
        let pool = try DatabasePool(path: database.path)
        try HistorySchema.migrator.migrate(pool, upTo: "3 report outbox")
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO outbox_report (report_id, policy_domain, begin_ms, end_ms, created_ms, file_name, message_count, file)
                VALUES ('R-1', 'example.org', 0, 86400000, 86400000, 'x.xml.gz', 1, x'1f8b')
                """)
        }
        try pool.close()

        let store = try HistoryStore.open(path: database.path)

        #expect(try store.outboxReports().map(\.kind) == [.aggregate])
        try store.storeFailureReport(Self.failure, at: Self.dayStart)
        #expect(try store.outboxReports().map(\.kind) == [.failure, .aggregate])
    }

    @Test("the schema refuses a failure report without an envelope sender and an unknown kind")
    func schemaChecks() throws {
        let database = try TemporaryDatabase()
        _ = try HistoryStore.open(path: database.path)
        let pool = try DatabasePool(path: database.path)
        defer { try? pool.close() }
        for (kind, sender) in [("failure", nil), ("forensic", "a@example.com"), ("aggregate", "a@example.com")] as [(String, String?)] {
            #expect(throws: DatabaseError.self) {
                try pool.write { db in
                    try db.execute(sql: """
                        INSERT INTO outbox_report (kind, sender, report_id, policy_domain, begin_ms, end_ms, created_ms,
                            file_name, message_count, file)
                        VALUES (?, ?, 'R', 'example.org', 0, 0, 0, 'x', 1, x'00')
                        """, arguments: [kind, sender])
                }
            }
        }
    }
}
