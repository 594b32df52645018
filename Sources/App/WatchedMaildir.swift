import Foundation

/// A Maildir (the layout of maildir(5): `new/`, `cur/`, `tmp/`) that report mail reaches by some
/// other way than the milter, such as a mailbox on another host fetched here. Each message in
/// `new/` is read once; after its reports are stored, or rejected with a logged reason, it moves
/// to `cur/` marked as seen, as a mail reader would move it, and stays there for the postmaster.
struct WatchedMaildir: Sendable {
    let path: String

    init(_ path: String) {
        self.path = path
    }

    /// The messages waiting in `new/`, by name: delivery agents start names with the time.
    func newMessages() throws -> [URL] {
        let folder = URL(fileURLWithPath: path).appendingPathComponent("new")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
            .map { folder.appendingPathComponent($0) }
    }

    /// Moves a message from `new/` to `cur/` with the Seen flag (`:2,S`).
    func markSeen(_ message: URL) throws {
        let name = message.lastPathComponent
        let target = URL(fileURLWithPath: path).appendingPathComponent("cur")
            .appendingPathComponent(name.contains(":2,") ? name : name + ":2,S")
        try FileManager.default.moveItem(at: message, to: target)
    }
}
