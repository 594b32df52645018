import ArgumentParser
import Testing

@testable import App

/// `dmarcd check-config`, parsed from a command line the way the `dmarcd` program parses it.
@Suite struct CheckConfigCommandTests {
    /// The check-config command that `dmarcd` builds from these arguments.
    private func checkConfig(_ arguments: String...) throws -> CheckConfigCommand {
        let command = try DmarcdCommand.parseAsRoot(["check-config"] + arguments)
        return try #require(command as? CheckConfigCommand)
    }

    @Test func aBadFileExitsWithStatus1AndListsEveryProblem() throws {
        // Given a file with a misspelt key, a key dmarcd does not need and a bad boolean
        let path = try TemporaryConfigurationFile.write("Sockett inet:8893@127.0.0.1\nPidFile /run/x.pid\nRejectFailures perhaps\n")

        // When it is checked
        let outcome = try checkConfig(path).check()

        // Then the exit status is 1, each problem is one FILE:LINE line on stderr, and no settings are printed
        #expect(outcome.exitCode.rawValue == 1)
        #expect(DmarcdCommand.exitCode(for: outcome.exitCode).rawValue == 1)
        #expect(outcome.standardError == """
            \(path):1: error: unknown key "Sockett"; did you mean "Socket"?
            \(path):2: warning: PidFile: systemd tracks dmarcd's process, so no pid file is written; remove this line
            \(path):3: error: RejectFailures: "perhaps" is not a boolean; use true, false, yes, no, 1 or 0

            """)
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test func aGoodFileExitsWithStatus0AndPrintsTheEffectiveSettings() throws {
        // Given a valid file with one warning
        let path = try TemporaryConfigurationFile.write("Socket local:/run/dmarcd/milter.sock\nSyslog true\n")

        // When it is checked
        let outcome = try checkConfig(path).check()

        // Then the status is 0, the warning is shown, and stdout holds every setting
        #expect(outcome.exitCode == .success)
        #expect(outcome.standardError == "\(path):2: warning: Syslog: dmarcd logs to standard error, which systemd passes to the journal and syslog; remove this line\n")
        #expect(outcome.standardOutput == ConfigurationParser.load(file: path).configuration.rendered())
        #expect(outcome.standardOutput.hasPrefix("Socket "))
        #expect(Self.setting("Socket", in: outcome.standardOutput) == "local:/run/dmarcd/milter.sock")
    }

    @Test func aMissingFileIsAClearError() throws {
        let outcome = try checkConfig("/nonexistent/dmarcd.conf").check()
        #expect(outcome.exitCode.rawValue == 1)
        #expect(outcome.standardError == "/nonexistent/dmarcd.conf: error: cannot open the configuration file: No such file or directory\n")
    }

    @Test func anOverrideOnTheCommandLineIsApplied() throws {
        let path = try TemporaryConfigurationFile.write("LogLevel info\n")
        let outcome = try checkConfig(path, "--set", "LogLevel=debug").check()
        #expect(outcome.exitCode == .success)
        #expect(Self.setting("LogLevel", in: outcome.standardOutput) == "debug")
    }

    /// The value of `key` in rendered settings, whose columns line up with the longest key.
    static func setting(_ key: String, in rendered: String) -> String? {
        for line in rendered.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 1)
            if words.first.map(String.init) == key {
                return words.dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        return nil
    }

    @Test func aBadOverrideIsAnErrorFromTheCommandLine() throws {
        let path = try TemporaryConfigurationFile.write("")
        let outcome = try checkConfig(path, "--set", "DNSTimeout=never").check()
        #expect(outcome.exitCode.rawValue == 1)
        #expect(outcome.standardError == "command line: error: DNSTimeout: \"never\" is not a whole number of seconds\n")
    }

    @Test func withoutAFileTheDefaultPathIsChecked() throws {
        #expect(try checkConfig().file == "/etc/dmarcd/dmarcd.conf")
    }
}
