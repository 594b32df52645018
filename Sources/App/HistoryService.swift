import Logging
import ServiceLifecycle
import Store

/// Writes the milter's evaluations to the history and applies its retention, until the
/// daemon stops; then writes what is still queued.
struct HistoryService: Service {
    let writer: HistoryWriter
    let path: String
    let logger: Logger

    func run() async {
        logger.info("history database \(path)")
        await withGracefulShutdownHandler {
            await writer.run()
        } onGracefulShutdown: {
            writer.finish()
        }
    }
}
