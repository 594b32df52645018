import ArgumentParser
import Foundation

/// The command-line options that choose a configuration, shared by the commands that need one.
struct ConfigurationOptions: ParsableArguments {
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

    /// The file read: --config, else /etc/dmarcd/dmarcd.conf when it exists; nil for none.
    var file: String? {
        if let config { return config }
        if builtinDefaults { return nil }
        return FileManager.default.fileExists(atPath: Configuration.defaultPath) ? Configuration.defaultPath : nil
    }

    /// Reads the configuration, printing every problem to standard error; exits with status 1
    /// when there is an error.
    func load() throws -> Configuration {
        let configuration = read { diagnostic in
            FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
        }
        guard let configuration else { throw ExitCode.failure }
        return configuration
    }

    /// Reads the configuration and hands every problem to `report`; nil when there is an error.
    func read(reporting report: (ConfigurationDiagnostic) -> Void) -> Configuration? {
        var parser = ConfigurationParser()
        if let file { parser.load(file: file) }
        overrides.forEach { parser.applyOverride($0) }
        parser.diagnostics.forEach(report)
        return parser.hasErrors ? nil : parser.configuration
    }
}
