import Foundation
import GRDB

extension HistoryStore {
    /// Deletes at most `batchSize` of the oldest messages evaluated before `cutoff`, with their
    /// DKIM signatures and recipients, in one short transaction; returns how many went. Callers
    /// repeat it until it returns less than `batchSize`, so that the writer gets the lock
    /// between batches. The last batch also drops the rows of the count tables that no message
    /// is left in, and the received reports whose window ended before `cutoff` with their records.
    public func expire(olderThan cutoff: Date, batchSize: Int) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                DELETE FROM message WHERE id IN
                    (SELECT id FROM message WHERE time_ms < ? ORDER BY time_ms LIMIT ?)
                """, arguments: [Self.milliseconds(cutoff), batchSize])
            let deleted = db.changesCount
            if deleted < batchSize {
                for table in HistorySchema.countTables {
                    try db.execute(sql: "DELETE FROM \(table.name) WHERE messages <= 0")
                }
                try db.execute(sql: "DELETE FROM received_report WHERE end_time < ?",
                               arguments: [Int64((cutoff.timeIntervalSince1970).rounded(.down))])
            }
            return deleted
        }
    }

    /// Hands the pages freed by ``expire(olderThan:batchSize:)`` back to the file system, at most
    /// `pages` of them, and truncates the write-ahead log.
    public func reclaimSpace(pages: Int = 1000) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA incremental_vacuum(\(max(1, pages)))")
        }
        // The log keeps its size after a checkpoint unless truncated.
        try pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }

    /// Pages in the file that hold no data, which ``reclaimSpace(pages:)`` gives back.
    public func freePageCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0 }
    }
}
