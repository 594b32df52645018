import ArgumentParser
import Foundation
import Logging

/// `dmarcd run`: the daemon, in the foreground, until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground until SIGTERM or SIGINT (Ctrl-C).",
        discussion: """
            Reads \(Configuration.defaultPath) when it exists, or the file given with --config. \
            With --builtin-defaults no file is read. Logs go to standard error.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "FILE"))
    var config: String?

    @Flag(help: "Read no configuration file: start from the built-in defaults.")
    var builtinDefaults = false

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting.", valueName: "Key=Value"))
    var overrides: [String] = []

    func validate() throws {
        if builtinDefaults && config != nil {
            throw ValidationError("--config and --builtin-defaults exclude each other")
        }
    }

    func run() async throws {
        var parser = ConfigurationParser()
        let source: String
        if let file = config ?? (builtinDefaults ? nil : Self.existingDefaultFile()) {
            parser.load(file: file)
            source = file
        } else {
            source = "built-in defaults"
        }
        overrides.forEach { parser.applyOverride($0) }
        for diagnostic in parser.diagnostics {
            FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
        }
        guard !parser.hasErrors else { throw ExitCode.failure }

        let configuration = parser.configuration
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let logger = Logger(label: "dmarcd")
        logger.notice("dmarcd \(DmarcdVersion.current) starting with \(source)")
        do {
            try await Daemon(configuration: configuration, logger: logger).run()
        } catch {
            logger.critical("dmarcd stopped: \(error)")
            throw ExitCode.failure
        }
        logger.notice("dmarcd stopped")
    }

    private static func existingDefaultFile() -> String? {
        FileManager.default.fileExists(atPath: Configuration.defaultPath) ? Configuration.defaultPath : nil
    }
}
