import Foundation

/// How the history writer is doing, for `/healthz`, `/metrics` and the status page.
public struct HistoryWriterHealth: Sendable, Hashable {
    /// Records waiting to be written, including those of a commit in progress.
    public var queuedRecords: Int
    /// The most records that can wait; further records are dropped.
    public var queueCapacity: Int
    /// Records written since the daemon started.
    public var writtenRecords: Int
    /// Records dropped because the queue was full (the database could not be written for long).
    public var droppedRecords: Int
    /// Records the database refused as invalid (a constraint of the schema), which no retry fixes.
    public var rejectedRecords: Int
    /// Messages deleted by retention since the daemon started.
    public var expiredRecords: Int
    /// When a commit last succeeded.
    public var lastCommit: Date?
    /// Why the last attempt to write failed; nil once a write succeeds again.
    public var lastError: String?
    /// When that failure happened.
    public var lastErrorTime: Date?

    public init(queuedRecords: Int = 0, queueCapacity: Int, writtenRecords: Int = 0, droppedRecords: Int = 0,
                rejectedRecords: Int = 0, expiredRecords: Int = 0, lastCommit: Date? = nil, lastError: String? = nil,
                lastErrorTime: Date? = nil) {
        self.queuedRecords = queuedRecords
        self.queueCapacity = queueCapacity
        self.writtenRecords = writtenRecords
        self.droppedRecords = droppedRecords
        self.rejectedRecords = rejectedRecords
        self.expiredRecords = expiredRecords
        self.lastCommit = lastCommit
        self.lastError = lastError
        self.lastErrorTime = lastErrorTime
    }

    /// True while records get written: no failure since the last successful write.
    public var isWriting: Bool { lastError == nil }
}
