import ArgumentParser

/// `dmarcd check-config [FILE]`: loads a configuration file and prints the effective settings.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config")
}
