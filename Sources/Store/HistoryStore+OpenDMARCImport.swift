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
    /// skipped.
    ///
    /// A file that brings at least as many records as the history holds (a first import) is one
    /// transaction, with the message indexes built once at its end
    /// (``HistorySchema/indexingAfterwards(_:insert:)``). Otherwise each `batchSize` records
    /// (rounded up to the reading thread's next chunk) are one transaction, so the daemon's
    /// writer gets the lock in between.
    public func importOpenDMARCHistory(path: String, batchSize: Int = 10_000) throws -> OpenDMARCImportSummary {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw HistoryStoreError(description: "\(path): cannot open for reading")
        }
        defer { try? file.close() }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let storedMessages = try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM message") ?? 0 }
        let isFirstImport = fileSize / OpenDMARCHistoryFile.smallestRecordBytes >= storedMessages
        let transactionSize = isFirstImport ? Int.max : batchSize

        var summary = OpenDMARCImportSummary()
        let chunks = OpenDMARCHistoryPrefetch(OpenDMARCHistoryFile(file))
        defer { chunks.stop() }
        // With SQLite's default page cache of 2 MB, the pages of a large transaction went out to
        // the WAL and were read back: 188,000 reads for an import and a re-import of 100,000
        // records, 13,000 with 64 MB.
        let pageCache = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -65536") }
        defer {
            if let pageCache { try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = \(pageCache)") } }
        }
        var isAtEnd = false
        while !isAtEnd {
            try pool.write { db in
                try HistorySchema.indexingAfterwards(db, when: isFirstImport) {
                    try HistorySchema.countingAfterwards(db) { counts in
                        let insertion = try HistoryInsertion(db)
                        var taken = 0
                        while taken < transactionSize {
                            guard let chunk = try chunks.next() else {
                                isAtEnd = true
                                return
                            }
                            let added = try insertion.insert(chunk.records) { counts.add($0) }
                            summary.imported += added
                            summary.alreadyPresent += chunk.records.count - added
                            summary.problems += chunk.problems.map { .init(line: $0.line, reason: $0.reason) }
                            taken += chunk.records.count
                        }
                    }
                }
            }
        }
        return summary
    }
}

/// The records of an OpenDMARC history file, read in large chunks and split at LF here: history
/// files reach hundreds of MB.
struct OpenDMARCHistoryFile {
    /// No record that OpenDMARC 1.4.2 writes is shorter: its dozen mandatory lines alone take
    /// more. Dividing a file's size by it overestimates its records.
    static let smallestRecordBytes = 200

    private let file: FileHandle
    private var parser = OpenDMARCHistoryParser()
    private var pending: [UInt8] = []
    private var start = 0
    private var fileIsRead = false
    private var isAtEnd = false

    init(_ file: FileHandle) {
        self.file = file
    }

    /// The next record or problem; nil at the end of the file.
    mutating func next() throws -> Result<HistoryRecord, OpenDMARCHistoryParser.Problem>? {
        while !isAtEnd {
            if let end = pending[start...].firstIndex(of: 0x0A) {
                let line = pending[start..<end]
                start = end + 1
                if let result = parser.line(line) { return result }
            } else if !fileIsRead {
                pending.removeFirst(start)
                start = 0
                if let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {
                    chunk.withUnsafeBytes { pending.append(contentsOf: $0) }
                } else {
                    fileIsRead = true
                }
            } else {
                let last = pending[start...]
                start = pending.endIndex
                if !last.isEmpty, let result = parser.line(last) { return result }
                isAtEnd = true
                return parser.finish()
            }
        }
        return nil
    }
}

/// Reads an OpenDMARC history file on a thread of its own, some thousand records ahead of the
/// thread that writes them: on two cores, parsing and SQLite then take turns no longer.
final class OpenDMARCHistoryPrefetch: @unchecked Sendable {
    /// Records read one after the other, and the problems met among them.
    struct Chunk {
        var records: [HistoryRecord] = []
        var problems: [OpenDMARCHistoryParser.Problem] = []
        var count: Int { records.count + problems.count }
    }

    private static let chunkSize = 1_000
    private static let chunksAhead = 4

    // Shared with the reading thread, under `condition`.
    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    private var readingEnded = false
    private var readingError: (any Error)?
    private var stopped = false

    init(_ file: OpenDMARCHistoryFile) {
        let thread = Thread { [self] in read(file) }
        thread.name = "history import"
        thread.start()
    }

    /// The next chunk of the file; nil at its end.
    func next() throws -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !readingEnded { condition.wait() }
        if let readingError { throw readingError }
        guard !chunks.isEmpty else { return nil }
        condition.signal()
        return chunks.removeFirst()
    }

    /// Ends the reading thread when the writing ends early.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func read(_ file: OpenDMARCHistoryFile) {
        var file = file
        var error: (any Error)?
        var more = true
        while more {
            var chunk = Chunk()
            chunk.records.reserveCapacity(Self.chunkSize)
            do {
                while chunk.count < Self.chunkSize, let item = try file.next() {
                    switch item {
                    case .success(let record): chunk.records.append(record)
                    case .failure(let problem): chunk.problems.append(problem)
                    }
                }
                more = chunk.count == Self.chunkSize
            } catch let thrown {
                error = thrown
                more = false
            }
            condition.lock()
            while chunks.count >= Self.chunksAhead && !stopped { condition.wait() }
            if stopped { more = false }
            if chunk.count > 0 { chunks.append(chunk) }
            if !more {
                readingEnded = true
                readingError = error
            }
            condition.signal()
            condition.unlock()
        }
    }
}
