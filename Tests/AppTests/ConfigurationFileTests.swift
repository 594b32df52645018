import Foundation
import TestSupport
import Testing

@testable import App

/// Whole configuration files: Debian's opendmarc.conf, the sample shipped as etc/dmarcd.conf, and
/// a file with mistakes.
@Suite struct ConfigurationFileTests {
    static let debianOpenDMARCConf = "/etc/opendmarc.conf"

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: debianOpenDMARCConf),
            "needs Debian's opendmarc package (apt-get install opendmarc) for /etc/opendmarc.conf"))
    func debiansUnchangedOpenDMARCConfLoadsWithoutErrors() {
        // Given the opendmarc.conf that Debian's opendmarc package installs
        // When dmarcd reads it
        let result = ConfigurationParser.load(file: Self.debianOpenDMARCConf)

        // Then it loads, keeping the socket, mask and user, and only warns about keys dmarcd does not need
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(result.configuration.sockets == [.unix(path: "/run/opendmarc/opendmarc.sock")])
        #expect(result.configuration.umask == 0o002)
        #expect(result.configuration.userID == Configuration.UserID(user: "opendmarc"))
        let warnedKeys = result.diagnostics.compactMap { $0.message.split(separator: ":").first.map(String.init) }
        #expect(Set(warnedKeys).isSubset(of: ["PidFile", "Syslog"]))
    }

    @Test func aFileWithAMisspeltKeyAndABadBooleanGivesAnErrorForEachLine() throws {
        // Given a file with a misspelt key on line 3 and a bad boolean on line 5
        let path = try TemporaryConfigurationFile.write("""
            # dmarcd.conf
            Socket inet:8893@127.0.0.1
            RejectFailurs true
            AuthservID mx.example.com
            SoftwareHeader maybe

            """)

        // When it is loaded
        let result = ConfigurationParser.load(file: path)

        // Then both lines are errors, named by file and line, with the reason
        #expect(result.hasErrors)
        #expect(result.diagnostics.map(\.description) == [
            "\(path):3: error: unknown key \"RejectFailurs\"; did you mean \"RejectFailures\"?",
            "\(path):5: error: SoftwareHeader: \"maybe\" is not a boolean; use true, false, yes, no, 1 or 0",
        ])
    }

    // MARK: The sample file shipped to users

    static let sample = Fixtures.packageRoot.appendingPathComponent("etc/dmarcd.conf")

    /// The sample's `# Key value` lines: the settings shown commented out.
    private static func sampleSettings() throws -> [(key: String, line: String)] {
        try Fixtures.text(sample).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# ") else { return nil }
            let setting = line.dropFirst(2)
            let name = String(setting.prefix { $0 != " " })
            return ConfigurationKey.named(name) == nil ? nil : (name, String(setting))
        }
    }

    @Test func theSampleLoadsWithoutErrorsOrWarnings() {
        let result = ConfigurationParser.load(file: Self.sample.path)
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration == .defaults)
    }

    @Test func theSampleShowsEveryKey() throws {
        let shown = Set(try Self.sampleSettings().map(\.key))
        for key in ConfigurationKey.all {
            #expect(shown.contains(key.name), "\(key.name) is missing from etc/dmarcd.conf")
        }
    }

    @Test func theSampleShowsEachDefaultAsTheProgramHasItOrElseTheTablesExample() throws {
        let lines = Set(try Self.sampleSettings().map(\.line))
        for key in ConfigurationKey.all {
            let value = try #require(key.defaultValue ?? key.example, "\(key.name) has neither default nor example")
            #expect(lines.contains("\(key.name) \(value)"), "etc/dmarcd.conf should show \(key.name) \(value)")
        }
    }

    @Test func everySettingInTheSampleIsValidWhenUncommented() throws {
        for (key, line) in try Self.sampleSettings() {
            let parser = ConfigurationParser.parsed(line, file: "etc/dmarcd.conf")
            #expect(!parser.hasErrors, "\(key): \(parser.diagnostics)")
        }
    }
}

/// Configuration files written for the tests, each in a fresh folder of one temporary directory
/// that goes when the test process ends.
enum TemporaryConfigurationFile {
    private static let root: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-config-\(getpid())")
        atexit { try? FileManager.default.removeItem(at: TemporaryConfigurationFile.root) }
        return root
    }()

    static func write(_ text: String) throws -> String {
        let directory = root.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("dmarcd.conf")
        try Data(text.utf8).write(to: file)
        return file.path
    }
}
