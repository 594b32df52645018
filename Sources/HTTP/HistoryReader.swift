import Store
import NIOConcurrencyHelpers

/// The history opened for reading once it can be: the status page starts with the daemon, while
/// the writer may still be creating or upgrading the database, or failing to (then `/healthz`
/// says why and the pages say the history is not readable yet).
final class HistoryReader: Sendable {
    let path: String
    private let opened = NIOLockedValueBox<HistoryStore?>(nil)

    init(path: String) {
        self.path = path
    }

    func store() throws -> HistoryStore {
        if let store = opened.withLockedValue({ $0 }) { return store }
        let store = try HistoryStore.openForReading(path: path)
        guard try store.hasCurrentSchema() else { throw HistoryNotReady(path: path) }
        opened.withLockedValue { $0 = store }
        return store
    }

    var fileSize: Int { HistoryStore.fileSize(path: path) }
}

struct HistoryNotReady: Error, CustomStringConvertible {
    var path: String
    var description: String { "the history \(path) is still being created or upgraded" }
}
