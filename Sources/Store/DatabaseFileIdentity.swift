import Foundation

/// The file a path names, as the kernel knows it: device and inode. A database file deleted (or
/// replaced by another) while a pool has it open goes on being read and written through the
/// pool's descriptors, but nothing written there survives: the next start opens what the path
/// names then.
struct DatabaseFileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// The file at `path`, or nil when there is none or it cannot be looked at.
    init?(path: String) {
        guard case .file(let identity) = Self.lookUp(path) else { return nil }
        self = identity
    }

    private init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    enum LookUp {
        case file(DatabaseFileIdentity)
        case missing
        case unknown
    }

    /// What `path` names now; errno is read right after the call that set it.
    static func lookUp(_ path: String) -> LookUp {
        var status = stat()
        guard stat(path, &status) == 0 else { return errno == ENOENT ? .missing : .unknown }
        return .file(DatabaseFileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)))
    }
}

extension HistoryStore {
    /// How the file at ``path`` stopped being the one this store has open.
    public enum FileChange: Sendable, Equatable, CustomStringConvertible {
        /// No file is there any more.
        case deleted
        /// Another file took its place (moved there, or restored from a copy).
        case replaced

        public var description: String {
            switch self {
            case .deleted: "deleted"
            case .replaced: "replaced by another file"
            }
        }
    }

    /// Nil while ``path`` still names the file this store opened; otherwise what became of it.
    /// A path that cannot be looked at for another reason than its absence (a directory without
    /// search permission) is not taken for a change: writing then fails and says why.
    public func fileChange() -> FileChange? {
        guard let openedFile else { return nil }
        switch DatabaseFileIdentity.lookUp(path) {
        case .file(let current): return current == openedFile ? nil : .replaced
        case .missing: return .deleted
        case .unknown: return nil
        }
    }

    /// Closes the pool of a store whose file was deleted or replaced, and removes the
    /// write-ahead log and shared-memory index at the path, before anything opens the path
    /// again. Both belong to the old file: SQLite does not fold a log into a file that was moved
    /// or unlinked when it closes, and leaves the log where it is; a pool opened at the path
    /// would read the old file's pages from it, or replay it into a new database.
    public func closeChangedFile() {
        try? pool.close()
        guard fileChange() != nil else { return }
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
    }
}
