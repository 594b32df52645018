import Auth
import Foundation
import Testing
@testable import Store

/// The history on a real SQLite file: what goes in comes out, and the schema refuses what
/// cannot be true.
@Suite(.serialized)
struct HistoryStoreTests {
    let database: TemporaryDatabase
    let store: HistoryStore

    init() throws {
        database = try TemporaryDatabase()
        store = try HistoryStore.open(path: database.path)
    }

    @Test func aRecordedEvaluationReadsBackWithEverythingAReportNeeds() throws {
        // Given a message the milter checked
        let time = Date(timeIntervalSince1970: 1_795_940_534.25)
        let record = Sample.record(time: time)

        // When it is recorded and read back
        try store.record(record)
        let stored = try #require(try store.evaluations().first)

        // Then every field is there as recorded
        var expected = record
        expected.id = stored.id
        #expect(stored == expected)
        #expect(stored.clientIP == "192.0.2.10")
        #expect(stored.helo == "mail.example.com")
        #expect(stored.mailFromDomain == "example.com")
        #expect(stored.recipientDomains == ["example.net", "example.org"])
        #expect(stored.policy?.p == .reject && stored.policy?.sp == .quarantine && stored.policy?.adkim == .strict)
        #expect(stored.policy?.aggregateReportURIs == ["mailto:dmarc@example.com", "mailto:agg@reports.example"])
        #expect(stored.policy?.failureReportOptions == "1:d")
        #expect(stored.policy?.discoveryMethod == .treewalk)
        #expect(stored.spf == .init(domain: "example.com", scope: .mfrom, result: "pass", humanResult: "ip4:192.0.2.0/24"))
        #expect(stored.dkim == [.init(domain: "example.com", selector: "sel", result: "pass", keyBits: 2048)])
        #expect(stored.time == time)
    }

    @Test func theFileIsInWALModeSoReadersNeverWaitForTheWriter() throws {
        let mode = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func aPassWithoutAnAlignedIdentifierIsRefused() throws {
        // RFC 9989 §5.3.5: a pass needs an aligned pass; the schema keeps that true.
        var record = Sample.record()
        record.spfAligned = false
        record.dkimAligned = false
        #expect(throws: (any Error).self) { try store.record(record) }
        #expect(try store.evaluationCount() == 0)
    }

    @Test func aResultOutsideRFC9990sNamesIsRefused() throws {
        var record = Sample.record()
        record.spf?.result = "hardfail"
        #expect(throws: (any Error).self) { try store.record(record) }
    }

    @Test func evaluationsFilterBySinceDomainAndResultNewestFirst() throws {
        let start = Date(timeIntervalSince1970: 1_795_900_000)
        try store.record([
            Sample.record(time: start, queueID: "A1", fromDomain: "example.com", dmarc: .pass),
            Sample.record(time: start + 60, queueID: "A2", fromDomain: "example.org", dmarc: .fail),
            Sample.record(time: start + 120, queueID: "A3", fromDomain: "example.com", dmarc: .fail),
            Sample.record(time: start + 180, queueID: "A4", fromDomain: "example.com", dmarc: .pass),
        ])
        #expect(try store.evaluations().map(\.queueID) == ["A4", "A3", "A2", "A1"])
        #expect(try store.evaluations(HistoryFilter(since: start + 60)).map(\.queueID) == ["A4", "A3", "A2"])
        #expect(try store.evaluations(HistoryFilter(domain: "EXAMPLE.com")).map(\.queueID) == ["A4", "A3", "A1"])
        #expect(try store.evaluations(HistoryFilter(domain: "example.com", result: .fail)).map(\.queueID) == ["A3"])
        #expect(try store.evaluations(limit: 2).map(\.queueID) == ["A4", "A3"])
        #expect(try store.evaluations(policyDomain: "example.com", from: start, to: start + 180).map(\.queueID)
                == ["A1", "A3"])
    }

    @Test func retentionDeletesOldMessagesInBatchesWithTheirSignaturesAndGivesSpaceBack() throws {
        // Given 3,000 messages from 200 days ago and 10 from today
        let now = Date()
        let old = (0..<3_000).map { Sample.record(time: now - 200 * 86_400 + Double($0), queueID: "OLD\($0)") }
        try store.record(old)
        try store.record((0..<10).map { Sample.record(time: now - Double($0), queueID: "NEW\($0)") })
        try store.reclaimSpace()
        let sizeBefore = store.fileSize()

        // When retention of 180 days runs in batches of 1,000
        var batches: [Int] = []
        while true {
            let deleted = try store.expire(olderThan: now - 180 * 86_400, batchSize: 1_000)
            batches.append(deleted)
            if deleted == 0 { break }
        }
        try store.reclaimSpace(pages: 100_000)

        // Then only today's messages are left, no orphan rows, and the file shrank
        #expect(batches == [1_000, 1_000, 1_000, 0])
        #expect(try store.evaluationCount() == 10)
        let orphans = try store.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM dkim_signature) + (SELECT count(*) FROM envelope_recipient)
                """)
        }
        #expect(orphans == 10 * 1 + 10 * 2)
        #expect(try store.freePageCount() == 0)
        #expect(store.fileSize() < sizeBefore / 4, "\(store.fileSize()) bytes after, \(sizeBefore) before")
    }

    @Test func aSecondOpeningFindsTheSchemaInPlace() throws {
        try store.record(Sample.record())
        let again = try HistoryStore.open(path: database.path)
        #expect(try again.evaluationCount() == 1)
        let reader = try HistoryStore.openForReading(path: database.path)
        #expect(try reader.evaluations().count == 1)
    }
}
