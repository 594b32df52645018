import Foundation
import Logging
import Testing
@testable import Store

/// The writer between the milter and the database: never blocks, commits in groups, keeps
/// records while the database cannot be written and writes them once it can.
@Suite(.serialized)
struct HistoryWriterTests {
    let database: TemporaryDatabase
    let logger = Logger(label: "history-test")

    init() throws {
        database = try TemporaryDatabase()
    }

    private func settings(capacity: Int = 100_000) -> HistoryWriter.Settings {
        var settings = HistoryWriter.Settings()
        settings.commitInterval = .milliseconds(20)
        settings.retryInterval = .milliseconds(50)
        settings.queueCapacity = capacity
        return settings
    }

    @Test func enqueuedEvaluationsAreCommittedWithinTheCommitWindow() async throws {
        let path = database.path
        let writer = HistoryWriter(settings: settings(), logger: logger) { try HistoryStore.open(path: path) }
        let running = Task { await writer.run() }
        defer { running.cancel() }

        for index in 0..<1_200 { writer.enqueue(Sample.evaluation(queueID: "Q\(index)")) }

        #expect(await writer.flush())
        let health = writer.health
        #expect(health.writtenRecords == 1_200)
        #expect(health.queuedRecords == 0)
        #expect(health.lastCommit != nil && health.isWriting)
        #expect(try HistoryStore.open(path: path).evaluationCount() == 1_200)
        writer.finish()
        await running.value
    }

    @Test func whenTheDatabaseCannotBeOpenedRecordsWaitAndArriveOnceItCan() async throws {
        // Given a database path whose directory is, for now, a plain file
        let blocker = database.directory.appendingPathComponent("blocked")
        try Data("not a directory".utf8).write(to: blocker)
        let path = blocker.appendingPathComponent("dmarcd.sqlite").path
        let writer = HistoryWriter(settings: settings(), logger: logger) { try HistoryStore.open(path: path) }
        let running = Task { await writer.run() }

        // When messages arrive, enqueueing returns at once and the writer reports the fault
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for index in 0..<100 { writer.enqueue(Sample.evaluation(queueID: "W\(index)")) }
        }
        #expect(elapsed < .seconds(1))
        let deadline = ContinuousClock.now + .seconds(10)
        while writer.health.lastError == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!writer.health.isWriting)
        #expect(writer.health.queuedRecords == 100)
        #expect(writer.health.lastError != nil)

        // Then once the directory exists, the waiting records are written
        try FileManager.default.removeItem(at: blocker)
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: true)
        #expect(await writer.flush())
        #expect(writer.health.isWriting)
        #expect(try HistoryStore.open(path: path).evaluationCount() == 100)
        writer.finish()
        await running.value
    }

    @Test func aFullQueueDropsTheNewestRecordsAndCountsThem() async throws {
        let blocker = database.directory.appendingPathComponent("blocked")
        try Data().write(to: blocker)
        let path = blocker.appendingPathComponent("dmarcd.sqlite").path
        let writer = HistoryWriter(settings: settings(capacity: 10), logger: logger) { try HistoryStore.open(path: path) }

        for index in 0..<15 { writer.enqueue(Sample.evaluation(queueID: "F\(index)")) }

        #expect(writer.health.queuedRecords == 10)
        #expect(writer.health.droppedRecords == 5)
    }

    @Test func aRecordTheSchemaRefusesIsCountedAndTheOthersAreWritten() async throws {
        let path = database.path
        let writer = HistoryWriter(settings: settings(), logger: logger) { try HistoryStore.open(path: path) }
        var bad = Sample.record(queueID: "BAD")
        bad.spfAligned = false
        bad.dkimAligned = false
        writer.enqueue(record: Sample.record(queueID: "GOOD1"))
        writer.enqueue(record: bad)
        writer.enqueue(record: Sample.record(queueID: "GOOD2"))
        let running = Task { await writer.run() }

        #expect(await writer.flush())
        #expect(writer.health.rejectedRecords == 1)
        #expect(writer.health.writtenRecords == 2)
        #expect(try HistoryStore.open(path: path).evaluations().map(\.queueID) == ["GOOD2", "GOOD1"])
        writer.finish()
        await running.value
    }

    @Test func retentionRunsFromTheWriterLoop() async throws {
        let path = database.path
        let store = try HistoryStore.open(path: path)
        try store.record((0..<2_500).map { Sample.record(time: Date() - 400 * 86_400, queueID: "OLD\($0)") })
        var settings = settings()
        settings.retention = .seconds(180 * 86_400)
        settings.retentionBatchSize = 1_000
        let writer = HistoryWriter(settings: settings, logger: logger) { store }
        let running = Task { await writer.run() }

        writer.enqueue(Sample.evaluation(queueID: "NEW"))
        let deadline = ContinuousClock.now + .seconds(10)
        while writer.health.expiredRecords < 2_500, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }

        #expect(writer.health.expiredRecords == 2_500)
        #expect(try store.evaluations().map(\.queueID) == ["NEW"])
        writer.finish()
        await running.value
    }

    @Test(arguments: [["history.sqlite"], ["history.sqlite", "history.sqlite-wal", "history.sqlite-shm"]])
    func aDatabaseFileDeletedWhileWritingIsCreatedAgainAndLaterRecordsAreInIt(deleted files: [String]) async throws {
        let path = database.directory.appendingPathComponent("history.sqlite").path
        let writer = HistoryWriter(settings: settings(), logger: logger) { try HistoryStore.open(path: path) }
        let running = Task { await writer.run() }
        writer.enqueue(Sample.evaluation(queueID: "BEFORE"))
        #expect(await writer.flush())

        // Given the file (alone, or with its log and shared memory) deleted under the writer
        for file in files { try FileManager.default.removeItem(at: database.directory.appendingPathComponent(file)) }

        // When more records arrive
        for index in 0..<3 { writer.enqueue(Sample.evaluation(queueID: "AFTER\(index)")) }

        // Then they are in a new file at the same path, which a later start reads
        #expect(await writer.flush())
        writer.finish()
        await running.value
        let reopened = try HistoryStore.openForReading(path: path)
        #expect(try reopened.evaluations().map(\.queueID) == ["AFTER2", "AFTER1", "AFTER0"])
        #expect(try reopened.hasCurrentSchema())
    }

    @Test func aDatabaseFileReplacedWhileWritingIsWrittenToAtItsPath() async throws {
        let path = database.directory.appendingPathComponent("history.sqlite").path
        let copy = database.directory.appendingPathComponent("restored.sqlite").path
        try HistoryStore.open(path: copy).record(Sample.record(queueID: "RESTORED"))
        let writer = HistoryWriter(settings: settings(), logger: logger) { try HistoryStore.open(path: path) }
        let running = Task { await writer.run() }
        writer.enqueue(Sample.evaluation(queueID: "BEFORE"))
        #expect(await writer.flush())

        // Given another history moved over the file, as a restore from a backup does (the copy's
        // store is closed, which folded its log into the file)
        #expect(rename(copy, path) == 0)

        writer.enqueue(Sample.evaluation(queueID: "AFTER"))
        #expect(await writer.flush())
        writer.finish()
        await running.value
        #expect(try HistoryStore.openForReading(path: path).evaluations().map(\.queueID) == ["AFTER", "RESTORED"])
    }
}
