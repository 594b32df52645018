import ArgumentParser
import Foundation

/// `dmarcd check-config [FILE]`: loads a configuration file and prints the effective settings.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file and print the settings dmarcd would run with.",
        discussion: """
            FILE may be a dmarcd.conf or an existing opendmarc.conf. Errors and warnings go to \
            standard error as FILE:LINE: error|warning: reason. When there is no error, every \
            setting, defaults included, goes to standard output in the file's own format and the \
            exit status is 0; otherwise it is 1.
            """
    )

    /// What a check prints, and how the program exits.
    struct Outcome: Equatable {
        var standardOutput: String
        var standardError: String
        var exitCode: ExitCode
    }

    @Argument(help: "The configuration file.")
    var file: String = Configuration.defaultPath

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting of the file.", valueName: "Key=Value"))
    var overrides: [String] = []

    /// Loads the file and overrides; the settings are printed only when they can be used.
    func check() -> Outcome {
        let result = ConfigurationParser.load(file: file, overrides: overrides)
        return Outcome(
            standardOutput: result.hasErrors ? "" : result.configuration.rendered(),
            standardError: result.diagnostics.map { "\($0)\n" }.joined(),
            exitCode: result.hasErrors ? .failure : .success
        )
    }

    func run() async throws {
        let outcome = check()
        FileHandle.standardError.write(Data(outcome.standardError.utf8))
        FileHandle.standardOutput.write(Data(outcome.standardOutput.utf8))
        guard outcome.exitCode == .success else { throw outcome.exitCode }
    }
}
