import Auth
import Foundation
import GRDB
import Testing
@testable import Store
import TestSupport

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

    @Test(.enabled(if: geteuid() == 0, "changes owners: needs root"))
    func aDatabaseRootOpensInTheDirectoryOfAnotherUserBelongsToThatUser() throws {
        let elsewhere = try TemporaryDatabase()
        let nobody = try #require(getpwnam("nobody")).pointee
        #expect(chown(elsewhere.directory.path, nobody.pw_uid, nobody.pw_gid) == 0)
        let store = try HistoryStore.open(path: elsewhere.path)
        try store.record(Sample.record())
        for file in [elsewhere.path, elsewhere.path + "-wal", elsewhere.path + "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect(attributes[.ownerAccountID] as? NSNumber == NSNumber(value: nobody.pw_uid), "\(file)")
            #expect(attributes[.groupOwnerAccountID] as? NSNumber == NSNumber(value: nobody.pw_gid), "\(file)")
        }
    }
}

/// The count tables behind the status page stay equal to counting the messages themselves,
/// whichever way messages come and go.
@Suite struct HistoryCountTests {
    @Test func theCountsFollowInsertsImportsAndRetention() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        let now = Date()
        var history = SyntheticHistory(domains: 7, days: 10, end: now)
        let records = history.records(600)
        try store.record(records)

        func expectCountsMatch(_ records: [HistoryRecord]) throws {
            let counts = try store.messageCounts(since: now.addingTimeInterval(-11 * 86_400))
            #expect(counts.messages == records.count)
            #expect(counts.dmarcPass == records.filter { $0.dmarcResult == .pass }.count)
            #expect(counts.dmarcFail == records.filter { $0.dmarcResult == .fail }.count)
            #expect(counts.dmarcError == records.filter { $0.dmarcResult == .temperror || $0.dmarcResult == .permerror }.count)
            #expect(counts.spfAligned == records.filter(\.spfAligned).count)
            #expect(counts.rejected == records.filter { $0.disposition == .reject }.count)
            let firstDay = now.addingTimeInterval(-11 * 86_400)
            let domains = try store.sendingDomains(fromDay: firstDay, limit: 100)
            #expect(domains.map(\.counts.messages).reduce(0, +) == records.count)
            for domain in domains {
                #expect(domain.counts.messages == records.filter { $0.headerFromDomain == domain.key }.count)
                let sources = try store.sendingAddresses(ofDomain: domain.key, fromDay: firstDay, limit: 1000)
                #expect(sources.map(\.counts.messages).reduce(0, +) == domain.counts.messages)
            }
            let failing = try store.failingAddresses(fromDay: firstDay, limit: 1000)
            #expect(failing.map(\.counts.dmarcFail).reduce(0, +) == records.filter { $0.dmarcResult == .fail }.count)
            let daily = try store.dailyMessageCounts(fromDay: firstDay)
            #expect(daily.map(\.counts.messages).reduce(0, +) == records.count)
        }
        try expectCountsMatch(records)

        let cutoff = now.addingTimeInterval(-5 * 86_400)
        while try store.expire(olderThan: cutoff, batchSize: 100) > 0 {}
        try expectCountsMatch(records.filter { $0.time >= cutoff })
        let emptyRows = try store.pool.read { db in
            try HistorySchema.countTables.map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0.name) WHERE messages <= 0") ?? 0 }
        }
        #expect(emptyRows == [0, 0, 0, 0])
    }

    @Test func anImportCountsItsRowsOnceAndPutsTheTriggersBack() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        var history = SyntheticHistory(domains: 3, days: 2, end: Date())
        try store.record(history.records(50))
        let fixture = Fixtures.url("opendmarc-history/opendmarc-1.4.2.dat").path

        #expect(try store.importOpenDMARCHistory(path: fixture, batchSize: 4).imported == 6)
        #expect(try store.importOpenDMARCHistory(path: fixture, batchSize: 4).imported == 0)
        // Many hours and days, domains and clients, in one transaction that shares its groups
        // with the rows already counted.
        let spread = database.path + ".history"
        try SyntheticOpenDMARCHistory.text(records: 200, start: 1_795_680_334, secondsApart: 1_301, domains: 3, clients: 7, failingEvery: 3)
            .write(toFile: spread, atomically: true, encoding: .utf8)
        #expect(try store.importOpenDMARCHistory(path: spread).imported == 200)
        // Counted by the triggers again.
        try store.record(history.records(20))

        let mismatches = try store.pool.read { db in
            try HistorySchema.countTables.map { table in
                let recount = """
                    SELECT \(table.keys.map { $0.value("message.") }.joined(separator: ", ")), \(HistorySchema.summedCounts)
                    FROM message GROUP BY \((1...table.keys.count).map(String.init).joined(separator: ", "))
                    """
                let missing = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(recount) EXCEPT SELECT * FROM \(table.name))")
                let extra = try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT * FROM \(table.name) EXCEPT \(recount))")
                return (missing ?? -1) + (extra ?? -1)
            }
        }
        #expect(mismatches == [0, 0, 0, 0])
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "SELECT sum(messages) FROM message_hourly") } == 276)
    }

    @Test func aFirstImportBuildsTheMessageIndexesAgain() throws {
        let database = try TemporaryDatabase()
        let store = try HistoryStore.open(path: database.path)
        let indexes = { try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
        } }
        let before = try indexes()

        #expect(try store.importOpenDMARCHistory(path: Fixtures.url("opendmarc-history/opendmarc-1.4.2.dat").path)
            .imported == 6)

        #expect(try indexes() == before)
        #expect(before.contains { $0["name"] == "message_by_policy_domain" })
        let plan = try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT id FROM message WHERE policy_domain = 'example.com'")
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING COVERING INDEX message_by_") })
    }

    @Test func aDatabaseOfTheFirstVersionGetsItsCountsWhenUpgraded() throws {
        let database = try TemporaryDatabase()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // As the first released version left it: its tables, and GRDB's note of that migration.
        let rows = [("pass", "pass", 1), ("pass", "pass", 1), ("fail", "reject", 0)].enumerated().map { index, row in
            """
            INSERT INTO message (time_ms, header_from_domain, client_ip, spf_aligned, dkim_aligned, dmarc_result,
                requested_disposition, disposition)
            VALUES (\(now - Int64(index) * 3_600_000), 'example.com', '192.0.2.1', \(row.2), 0, '\(row.0)', 'none', '\(row.1)');
            """
        }
        let script = """
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('1 evaluations');
            \(HistorySchema.version1)
            \(rows.joined(separator: "\n"))
            """
        try TestProgram.run(["/usr/bin/sqlite3", database.path], input: Array(script.utf8))
        let store = try HistoryStore.open(path: database.path)
        let counts = try store.messageCounts(since: Date().addingTimeInterval(-86_400))
        #expect(counts.messages == 3)
        #expect(counts.dmarcFail == 1)
        #expect(counts.rejected == 1)
        #expect(try store.sendingDomains(fromDay: Date().addingTimeInterval(-86_400), limit: 5).first?.key == "example.com")
    }
}
