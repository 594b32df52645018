import Doctor
import Foundation
import HTTP
import Logging
import Prometheus
import Store
import NIOConcurrencyHelpers
import TestSupport

/// A status page served in this process on a free port, over a history file of its own that
/// `fill` writes first.
final class StatusPageTestServer {
    let directory: URL
    let store: HistoryStore
    let baseURL: String
    private let currentStatus: StatusBox
    private var task: Task<Void, any Error>?

    init(credentials: StatusPageSettings.Credentials? = nil, setup: CachedSetupCheck? = nil,
         fill: (HistoryStore) throws -> Void) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("history.sqlite").path
        store = try HistoryStore.open(path: path)
        try fill(store)
        let port = try FreePort.udpAndTCP()
        baseURL = "http://127.0.0.1:\(port)"
        let status = DaemonStatus(
            startedAt: Date(), dnsForwarders: ["127.0.0.1@53"], databasePath: path,
            historyWriter: HistoryWriterHealth(queuedRecords: 0, queueCapacity: 50_000, writtenRecords: 0,
                                               droppedRecords: 0, rejectedRecords: 0, expiredRecords: 0))
        let currentStatus = StatusBox(status)
        self.currentStatus = currentStatus
        let server = try StatusPageServer(
            settings: StatusPageSettings(host: "127.0.0.1", port: Int(port), credentials: credentials, version: "test"),
            databasePath: path, registry: PrometheusCollectorRegistry(), status: { currentStatus.value.withLockedValue { $0 } },
            setup: setup, logger: Logger(label: "status-page-test"))
        task = Task { try await server.run() }
        try HTTPTestClient.waitUntilAnswering(baseURL + "/healthz")
    }

    /// What the daemon says about itself from now on.
    func changeStatus(_ change: (inout DaemonStatus) -> Void) {
        currentStatus.value.withLockedValue { change(&$0) }
    }

    func get(_ path: String, user: String? = nil, password: String? = nil) throws -> HTTPTestClient.Answer {
        try HTTPTestClient.get(baseURL + path, user: user, password: password)
    }

    deinit {
        task?.cancel()
        try? FileManager.default.removeItem(at: directory)
    }
}

private final class StatusBox: Sendable {
    let value: NIOLockedValueBox<DaemonStatus>

    init(_ status: DaemonStatus) {
        value = NIOLockedValueBox(status)
    }
}
