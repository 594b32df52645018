import Foundation
import Store

/// What the running daemon says about itself, read at each request for the health, the overview
/// and `/metrics`.
public struct DaemonStatus: Sendable {
    public var startedAt: Date
    /// Where DNS queries go (`127.0.0.1@53`).
    public var dnsForwarders: [String]
    public var databasePath: String
    public var historyWriter: HistoryWriterHealth

    public init(startedAt: Date, dnsForwarders: [String], databasePath: String, historyWriter: HistoryWriterHealth) {
        self.startedAt = startedAt
        self.dnsForwarders = dnsForwarders
        self.databasePath = databasePath
        self.historyWriter = historyWriter
    }

    /// Why the daemon is not healthy, in words for a postmaster; empty when it is. Mail flows in
    /// every case: these say what is lost or at risk.
    public var problems: [String] {
        var problems: [String] = []
        let writer = historyWriter
        if let error = writer.lastError {
            let since = writer.lastErrorTime.map { " since \(StatusFormat.time($0))" } ?? ""
            problems.append("the history cannot be written\(since): \(error)")
        }
        if writer.queuedRecords * 10 >= writer.queueCapacity * 9 {
            problems.append("the history writer's queue is nearly full (\(writer.queuedRecords) of \(writer.queueCapacity))")
        }
        // The writer notices an unwritable database only when it next commits; this sees it at
        // once. access(2) also answers EROFS for root on a read-only mount.
        let directory = (databasePath as NSString).deletingLastPathComponent
        for path in [databasePath, directory.isEmpty ? "." : directory] where access(path, W_OK) != 0 {
            let error = errno
            // The writer creates the file when it starts, which may be after the first request.
            if error == ENOENT && path == databasePath { continue }
            problems.append("\(path) is not writable: \(String(cString: strerror(error)))")
        }
        return problems
    }
}
