import ArgumentParser
import Foundation
import Logging

/// `dmarcd run`: the daemon, in the foreground, until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground until SIGTERM or SIGINT (Ctrl-C); SIGHUP rereads the configuration.",
        discussion: """
            Reads \(Configuration.defaultPath) when it exists, or the file given with --config. \
            With --builtin-defaults no file is read. Logs go to standard error.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try options.load()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let logger = Logger(label: "dmarcd")
        logger.notice("dmarcd \(DmarcdVersion.current) starting with \(options.file ?? "built-in defaults")")
        do {
            try await Daemon(configuration: configuration, options: options, logger: logger).run()
        } catch {
            logger.critical("dmarcd stopped: \(error)")
            throw ExitCode.failure
        }
        logger.notice("dmarcd stopped")
    }
}
