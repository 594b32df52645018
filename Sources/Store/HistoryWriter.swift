import Auth
import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers

/// Takes one record per checked message from the milter and writes them to the history in
/// group commits, without ever making a message wait.
///
/// ``enqueue(_:)`` only appends to a bounded in-memory queue. ``run()`` commits what is queued
/// every ``Settings/commitInterval``, in transactions of at most ``Settings/maximumBatch`` rows.
/// So a crash or `kill -9` loses at most the records enqueued during the last commit interval
/// plus the commit in progress: once a transaction commits, SQLite's write-ahead log has it.
///
/// When the database cannot be written (disk full, permissions, a lock held too long), records
/// stay queued and the writer retries every ``Settings/retryInterval``, logs the condition at most
/// once per ``Settings/problemLogInterval`` and shows it in ``health``. When the queue is full the
/// newest record is dropped and counted: mail is never held back for its history.
///
/// A database file deleted or replaced while the writer has it open is noticed before the next
/// commit, logged, and opened anew at its path, so that what is committed from then on is in
/// the file the next start and `dmarcd history` read.
public final class HistoryWriter: Sendable {
    /// The writer's bounds and timing.
    public struct Settings: Sendable {
        /// How long a record may wait for its commit: the most a crash can lose.
        public var commitInterval: Duration = .milliseconds(250)
        /// Rows per transaction, so that one commit never holds the write lock for long.
        public var maximumBatch = 500
        /// Records waiting at most; about 1 KiB each in memory, so 50 MiB at worst, which is
        /// hours of mail on a small server.
        public var queueCapacity = 50_000
        /// How soon a failed write is tried again.
        public var retryInterval: Duration = .seconds(1)
        /// A failing database is logged at most once this often.
        public var problemLogInterval: Duration = .seconds(60)
        /// Messages older than this are deleted once a day; nil keeps everything.
        public var retention: Duration? = .seconds(180 * 86_400)
        /// Messages deleted per transaction, between which the writer commits new records.
        public var retentionBatchSize = 1_000
        /// Time between retention runs.
        public var retentionInterval: Duration = .seconds(86_400)
        /// How this daemon discovers policies, recorded with each policy.
        public var discoveryMethod: HistoryRecord.DiscoveryMethod = .treewalk

        public init() {}
    }

    private struct State {
        var queue: [HistoryRecord] = []
        var inFlight = 0
        var store: HistoryStore?
        var finishing = false
        var health: HistoryWriterHealth
        var lastProblemLog: ContinuousClock.Instant?
        var lastDropLog: ContinuousClock.Instant?
        var nextRetention: ContinuousClock.Instant
    }

    private let settings: Settings
    private let logger: Logger
    private let open: @Sendable () throws -> HistoryStore
    private let now: @Sendable () -> Date
    private let state: NIOLockedValueBox<State>
    /// Where the blocking SQLite work runs: a serial queue's thread, outside the event loops that
    /// check mail, so a slow or stuck disk never holds one of them.
    private let databaseQueue = DispatchQueue(label: "dmarcd.history")

    /// A writer that opens its store with `open`, retrying until it succeeds; `now` tells the time
    /// retention counts from.
    public init(settings: Settings = Settings(), logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init,
                open: @escaping @Sendable () throws -> HistoryStore) {
        self.settings = settings
        self.logger = logger
        self.open = open
        self.now = now
        state = NIOLockedValueBox(State(health: HistoryWriterHealth(
            queuedRecords: 0, queueCapacity: settings.queueCapacity, writtenRecords: 0, droppedRecords: 0,
            rejectedRecords: 0, expiredRecords: 0), nextRetention: .now))
    }

    /// The store, once it could be opened.
    public var store: HistoryStore? {
        state.withLockedValue { $0.store }
    }

    /// Queue depth, counters and the last failure, for `/healthz` and `/metrics`.
    public var health: HistoryWriterHealth {
        state.withLockedValue { state in
            var health = state.health
            health.queuedRecords = state.queue.count + state.inFlight
            return health
        }
    }

    /// Queues the evaluation of one message; never blocks.
    public func enqueue(_ evaluation: MessageEvaluation) {
        enqueue(record: HistoryRecord(evaluation, discoveryMethod: settings.discoveryMethod))
    }

    /// Queues one record; never blocks.
    public func enqueue(record: HistoryRecord) {
        let dropped: Int? = state.withLockedValue { state in
            guard state.queue.count + state.inFlight >= settings.queueCapacity else {
                state.queue.append(record)
                return nil
            }
            state.health.droppedRecords += 1
            let clock = ContinuousClock.now
            if let last = state.lastDropLog, clock - last < settings.problemLogInterval { return nil }
            state.lastDropLog = clock
            return state.health.droppedRecords
        }
        if let dropped {
            logger.error("""
                history queue full (\(settings.queueCapacity) records waiting): dropping new records, \
                \(dropped) dropped so far
                """)
        }
    }

    /// Lets ``run()`` end after one last attempt to write what is queued.
    public func finish() {
        state.withLockedValue { $0.finishing = true }
    }

    /// Writes until ``finish()``; then writes what is still queued, if the database lets it.
    public func run() async {
        while true {
            let finishing = state.withLockedValue { $0.finishing }
            let wrote = await onDatabaseQueue { self.commitQueued() }
            if finishing {
                let left = health.queuedRecords
                if left > 0 { logger.error("history: \(left) records could not be written before stopping") }
                return
            }
            if wrote { await onDatabaseQueue { self.expireIfDue() } }
            try? await Task.sleep(for: wrote ? settings.commitInterval : settings.retryInterval)
        }
    }

    /// Waits until every record queued so far is written or `timeout` passes; true when written.
    public func flush(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if health.queuedRecords == 0 { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return health.queuedRecords == 0
    }

    private func onDatabaseQueue<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            databaseQueue.async { continuation.resume(returning: work()) }
        }
    }

    /// Writes everything queued in transactions of ``Settings/maximumBatch``; false when the
    /// database could not be written (the records not written are queued again, first).
    private func commitQueued() -> Bool {
        let records: [HistoryRecord] = state.withLockedValue { state in
            let records = state.queue
            state.queue = []
            state.inFlight = records.count
            return records
        }
        var written = 0
        do {
            let store = try openStore()
            while written < records.count {
                let batch = records[written..<min(written + settings.maximumBatch, records.count)]
                try write(batch, to: store)
                written += batch.count
                state.withLockedValue { state in
                    state.inFlight -= batch.count
                    state.health.lastCommit = now()
                }
            }
            recovered()
            return true
        } catch {
            state.withLockedValue { state in
                state.queue = Array(records[written...]) + state.queue
                state.inFlight = 0
            }
            failed(error)
            return false
        }
    }

    /// The store to commit to; opened anew when its file was deleted or replaced since, as
    /// rows committed to a file no path names any more would be gone at the next start.
    private func openStore() throws -> HistoryStore {
        if let store = state.withLockedValue({ $0.store }) {
            guard let change = store.fileChange() else { return store }
            logger.error("history database \(store.path) was \(change) while dmarcd ran: writing to a new file there from now on")
            state.withLockedValue { $0.store = nil }
            store.closeChangedFile()
        }
        let store = try open()
        state.withLockedValue { $0.store = store }
        return store
    }

    /// One transaction; when a record breaks a constraint, the batch is written record by record
    /// and the bad ones are counted and left out, so one bad record cannot hold up the queue.
    private func write(_ batch: ArraySlice<HistoryRecord>, to store: HistoryStore) throws {
        do {
            try store.pool.write { db in
                _ = try HistoryInsertion(db).insert(batch)
            }
            state.withLockedValue { $0.health.writtenRecords += batch.count }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            var rejected: [String] = []
            try store.pool.write { db in
                for record in batch {
                    do {
                        try db.inSavepoint {
                            // Prepared again for each record: SQLite cannot run a statement that failed again.
                            _ = try HistoryInsertion(db).insert(CollectionOfOne(record))
                            return .commit
                        }
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        rejected.append("\(record.queueID ?? "NOQUEUE"): \(error.message ?? "\(error)")")
                    }
                }
            }
            state.withLockedValue { state in
                state.health.rejectedRecords += rejected.count
                state.health.writtenRecords += batch.count - rejected.count
            }
            for reason in rejected { logger.error("history record refused by the database: \(reason)") }
        }
    }

    private func failed(_ error: any Error) {
        let (log, waiting): (Bool, Int) = state.withLockedValue { state in
            state.health.lastError = "\(error)"
            state.health.lastErrorTime = now()
            let clock = ContinuousClock.now
            let waiting = state.queue.count
            if let last = state.lastProblemLog, clock - last < settings.problemLogInterval { return (false, waiting) }
            state.lastProblemLog = clock
            return (true, waiting)
        }
        if log {
            logger.error("history database cannot be written, \(waiting) records waiting: \(error)")
        }
    }

    private func recovered() {
        let wasFailing = state.withLockedValue { state in
            defer {
                state.health.lastError = nil
                state.lastProblemLog = nil
            }
            return state.health.lastError != nil
        }
        if wasFailing { logger.notice("history database written again; waiting records are stored") }
    }

    /// One batch of retention per commit cycle while a retention run is due, so that the writer
    /// never waits longer than one small delete.
    private func expireIfDue() {
        guard let retention = settings.retention else { return }
        let (due, store) = state.withLockedValue { ($0.nextRetention <= .now, $0.store) }
        guard due, let store else { return }
        let cutoff = now().addingTimeInterval(-Double(retention.components.seconds))
        do {
            let deleted = try store.expire(olderThan: cutoff, batchSize: settings.retentionBatchSize)
            state.withLockedValue { $0.health.expiredRecords += deleted }
            guard deleted < settings.retentionBatchSize else { return }
            try store.reclaimSpace()
            let total = state.withLockedValue { state in
                state.nextRetention = .now + settings.retentionInterval
                return state.health.expiredRecords
            }
            logger.info("history retention: messages evaluated before \(cutoff) deleted, \(total) since start")
        } catch {
            failed(error)
        }
    }
}
