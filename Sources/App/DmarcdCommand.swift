import ArgumentParser

/// The `dmarcd` command line: the daemon and its tools.
public struct DmarcdCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dmarcd",
        abstract: "SPF, DKIM, DMARC and ARC for Postfix, with history, reports and a status page.",
        version: DmarcdVersion.current,
        subcommands: [RunCommand.self, CheckConfigCommand.self, EvaluateCommand.self, DoctorCommand.self, HistoryCommand.self,
                      AggregateReportCommand.self, IngestCommand.self, ImportOpenDMARCHistoryCommand.self, MigrateOpenDMARCCommand.self,
                      PasswordHashCommand.self, KeygenCommand.self, ManualCommand.self]
    )

    public init() {}
}

/// The release this binary was built from.
public enum DmarcdVersion {
    public static let current = "0.1.0"
}
