import Foundation
import Logging
import Reporter
import ServiceLifecycle
import Store

/// Runs the report outbox until the daemon stops: the aggregate report scheduler when
/// `AggregateReports` is on, and in any case the delivery of what the outbox holds, failure
/// reports included. The database opens here, after the account switch, like the history's; a
/// database that cannot be opened is tried again later, the milter goes on meanwhile.
struct ReportService: Service {
    let databasePath: String
    let makeScheduler: @Sendable (HistoryStore) -> ReportScheduler
    /// Raised when a failure report is stored, to send it without waiting for the next poll.
    let signal: OutboxSignal
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard let store = await HistoryStore.openForReports(path: databasePath, logger: logger) else { return }
                let scheduler = makeScheduler(store)
                let settings = scheduler.settings
                if settings.buildsAggregateReports {
                    logger.info("""
                        aggregate reports every \(settings.schedule.interval) s from midnight UTC, \
                        as \(settings.reporter.email)
                        """)
                }
                await scheduler.run(signal: signal)
            }
        }
    }
}

extension HistoryStore {
    /// Opens the database for the report services, retrying every 10 seconds while it cannot be
    /// opened; nil when the task is cancelled or the daemon stops first.
    static func openForReports(path: String, logger: Logger) async -> HistoryStore? {
        // The history writer creates and migrates the database as the daemon starts; GRDB's
        // migrator is not safe against a second connection migrating at the same moment.
        try? await Task.sleep(for: .seconds(2))
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                return try HistoryStore.open(path: path)
            } catch {
                logger.error("reports wait for the database \(path): \(error)")
                try? await Task.sleep(for: .seconds(10))
            }
        }
        return nil
    }
}
