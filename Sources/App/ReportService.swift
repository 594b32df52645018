import Foundation
import Logging
import Reporter
import ServiceLifecycle
import Store

/// Runs the aggregate report scheduler until the daemon stops. The database opens here, after
/// the account switch, like the history's; a database that cannot be opened is tried again
/// later, the milter goes on meanwhile.
struct ReportService: Service {
    let databasePath: String
    let makeScheduler: @Sendable (HistoryStore) -> ReportScheduler
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            // The history writer creates and migrates the database as the daemon starts; GRDB's
            // migrator is not safe against a second connection migrating at the same moment.
            try? await Task.sleep(for: .seconds(2))
            while !Task.isCancelled {
                let store: HistoryStore
                do {
                    store = try HistoryStore.open(path: databasePath)
                } catch {
                    logger.error("aggregate reports wait for the database \(databasePath): \(error)")
                    try? await Task.sleep(for: .seconds(10))
                    continue
                }
                let scheduler = makeScheduler(store)
                let schedule = scheduler.settings.schedule
                logger.info("""
                    aggregate reports every \(schedule.interval) s from midnight UTC, \
                    as \(scheduler.settings.reporter.email)
                    """)
                await scheduler.run()
            }
        }
    }
}
