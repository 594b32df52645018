import Foundation
import GRDB

/// The history of evaluated messages in one SQLite file, behind operations named for what the
/// rest of dmarcd wants done; no other module sees SQL or GRDB.
///
/// One `DatabasePool` in WAL mode: readers (reports, status page, `dmarcd history`) never wait
/// for the writer, and a committed transaction survives a crash of the process.
public final class HistoryStore: Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String
    /// Which file `path` named once the pool had opened it, to tell when it is deleted or replaced.
    let openedFile: DatabaseFileIdentity?

    private init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.path = path
        openedFile = DatabaseFileIdentity(path: path)
    }

    /// Opens the database at `path`, creating the file and its directory's tables when missing and
    /// bringing an older schema up to date.
    public static func open(path: String) throws -> HistoryStore {
        var configuration = Configuration()
        // Another process (an import, a report run) may hold the write lock for a moment.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // So that retention can hand freed pages back to the file system. SQLite takes it only
            // before the first table and before WAL mode (https://sqlite.org/pragma.html#pragma_auto_vacuum),
            // which is why it goes here; for an existing file it changes nothing.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                // Each insert into `message` runs the count triggers, so SQLite keeps a statement
                // journal of the pages it changes (https://sqlite.org/tempfiles.html#stmtjrnl),
                // about 64 KiB, past which it goes to a temporary file: several writes to disk
                // per message, 3% of the daemon's CPU under load. In memory it lasts one
                // statement. Readers keep their large sorts and groupings on disk.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try HistorySchema.migrator.migrate(pool)
        try giveFilesToDirectoryOwner(path: path)
        return HistoryStore(pool: pool, path: path)
    }

    /// A command run as root (`dmarcd ingest`, an import) must not leave behind a database that
    /// the daemon, running as the owner of the database's directory (user dmarcd in
    /// /var/lib/dmarcd), can only read. SQLite does the same for the journal files it makes as
    /// root: they take the owner of the database file.
    private static func giveFilesToDirectoryOwner(path: String) throws {
        guard geteuid() == 0 else { return }
        let files = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        let directoryAttributes = try files.attributesOfItem(atPath: directory.isEmpty ? "." : directory)
        guard let owner = directoryAttributes[.ownerAccountID] as? NSNumber, owner.intValue != 0,
              let group = directoryAttributes[.groupOwnerAccountID] as? NSNumber else { return }
        for file in [path, path + "-wal", path + "-shm"] {
            guard let attributes = try? files.attributesOfItem(atPath: file),
                  attributes[.ownerAccountID] as? NSNumber != owner || attributes[.groupOwnerAccountID] as? NSNumber != group
            else { continue }
            try files.setAttributes([.ownerAccountID: owner, .groupOwnerAccountID: group], ofItemAtPath: file)
        }
    }

    /// Opens an existing database for reading only, as a terminal command does; nothing is
    /// created or migrated.
    public static func openForReading(path: String) throws -> HistoryStore {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return HistoryStore(pool: try DatabasePool(path: path, configuration: configuration), path: path)
    }

    /// True when the file holds every table this version reads: a daemon that reads the history
    /// while its writer is still creating or upgrading it waits for this.
    public func hasCurrentSchema() throws -> Bool {
        try pool.read { db in try HistorySchema.migrator.hasCompletedMigrations(db) }
    }

    /// Stores `records` in one transaction; all or none are stored.
    public func record(_ records: [HistoryRecord]) throws {
        try pool.write { db in
            _ = try HistoryInsertion(db).insert(records)
        }
    }

    /// Stores one record.
    public func record(_ record: HistoryRecord) throws {
        try self.record([record])
    }

    /// The number of messages in the history.
    public func evaluationCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM message") ?? 0 }
    }

    /// The database's size in bytes: the main file and its write-ahead log.
    public func fileSize() -> Int {
        Self.fileSize(path: path)
    }

    /// The size in bytes of the database at `path` and its write-ahead log, 0 when missing.
    public static func fileSize(path: String) -> Int {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }
}
