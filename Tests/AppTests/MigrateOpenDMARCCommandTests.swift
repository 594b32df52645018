import Foundation
import Testing

@testable import App

/// `dmarcd migrate-opendmarc` on the configuration Debian's OpenDMARC package ships.
struct MigrateOpenDMARCCommandTests {
    @Test func debiansFileBecomesALoadableDmarcdConfWithTheStepsToSwitch() throws {
        let debianFile = "/etc/opendmarc.conf"
        try #require(FileManager.default.fileExists(atPath: debianFile), "install Debian's opendmarc package (make test does)")
        let command = try MigrateOpenDMARCCommand.parse([debianFile])
        let (configuration, notes, succeeded) = command.migrate()
        #expect(succeeded)
        // The socket Postfix already uses is kept, so smtpd_milters stays as it is.
        let lines = configuration.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.contains(["Socket", "local:/run/opendmarc/opendmarc.sock"]))
        #expect(notes.contains("systemctl disable --now opendmarc"))

        let parser = ConfigurationParser.parsedWithoutErrors(configuration, file: "migrated.conf")
        #expect(parser.diagnostics.isEmpty, "the carried-over file loads without a warning: \(parser.diagnostics)")
    }

    @Test func historyFileGetsAnImportStep() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("opendmarc-\(UUID().uuidString).conf")
        try "HistoryFile /var/run/opendmarc/opendmarc.dat\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (_, notes, succeeded) = try MigrateOpenDMARCCommand.parse([file.path]).migrate()
        #expect(succeeded)
        #expect(notes.contains("dmarcd import-opendmarc-history /var/run/opendmarc/opendmarc.dat"))
    }
}
