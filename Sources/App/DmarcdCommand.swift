import ArgumentParser
import Foundation

/// The `dmarcd` command line: the daemon and its tools.
public struct DmarcdCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dmarcd",
        abstract: "SPF, DKIM, DMARC and ARC for Postfix, with history, reports and a status page.",
        version: DmarcdVersion.current,
        subcommands: [RunCommand.self, CheckConfigCommand.self, EvaluateCommand.self, DoctorCommand.self, HistoryCommand.self,
                      AggregateReportCommand.self, IngestCommand.self, ImportOpenDMARCHistoryCommand.self, MigrateOpenDMARCCommand.self,
                      PasswordHashCommand.self, ManualCommand.self]
    )

    public init() {}

    /// Runs the command the arguments name, as ArgumentParser's own `main()` does, except that
    /// a command line `dmarcd doctor` cannot read exits with 2, the status its scripts and
    /// monitoring take for "wrong usage" (1 is "errors found").
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if CommandLine.arguments.dropFirst().first == DoctorCommand.configuration.commandName,
               exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                exit(withError: DoctorCommand.usageExitCode)
            }
            exit(withError: error)
        }
    }
}

/// The release this binary was built from.
public enum DmarcdVersion {
    public static let current = "0.1.0"
}
