import Foundation
import GRDB

/// What ``HistoryStore/importOpenDMARCHistory(path:batchSize:)`` did.
public struct OpenDMARCImportSummary: Sendable, Hashable {
    /// A record that was not imported: the line it starts at and why.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Records added to the history.
    public var imported = 0
    /// Records that an earlier import of the same file had already added.
    public var alreadyPresent = 0
    public var problems: [Problem] = []
}

extension HistoryStore {
    /// Adds the records of an OpenDMARC history file. Importing a file again adds only the
    /// records it did not have before; a record that cannot be read is reported by line and
    /// skipped. Each `batchSize` records are one transaction.
    public func importOpenDMARCHistory(path: String, batchSize: Int = 10_000) throws -> OpenDMARCImportSummary {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw HistoryStoreError(description: "\(path): cannot open for reading")
        }
        defer { try? file.close() }
        var summary = OpenDMARCImportSummary()
        var parser = OpenDMARCHistoryParser()
        var batch: [HistoryRecord] = []
        batch.reserveCapacity(batchSize)

        func take(_ result: Result<HistoryRecord, OpenDMARCHistoryParser.Problem>?) throws {
            switch result {
            case .success(let record):
                batch.append(record)
                if batch.count >= batchSize { try store() }
            case .failure(let problem):
                summary.problems.append(.init(line: problem.line, reason: problem.reason))
            case nil:
                break
            }
        }
        func store() throws {
            let added = try pool.write { db in
                try HistorySchema.countingAfterwards(db) {
                    try batch.reduce(0) { count, record in try record.insert(db) ? count + 1 : count }
                }
            }
            summary.imported += added
            summary.alreadyPresent += batch.count - added
            batch.removeAll(keepingCapacity: true)
        }

        // Read in large chunks and split at LF ourselves: history files reach hundreds of MB.
        var pending: [UInt8] = []
        while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { pending.append(contentsOf: $0) }
            var start = 0
            while let end = pending[start...].firstIndex(of: 0x0A) {
                try take(parser.line(pending[start..<end]))
                start = end + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try take(parser.line(pending[...])) }
        try take(parser.finish())
        if !batch.isEmpty { try store() }
        return summary
    }
}
