import ArgumentParser
import Foundation

/// `dmarcd migrate-opendmarc [FILE]`: an `opendmarc.conf` turned into a `dmarcd.conf`, and the
/// steps that move a site from OpenDMARC to dmarcd.
struct MigrateOpenDMARCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-opendmarc",
        abstract: "Print a dmarcd.conf carrying over an opendmarc.conf, and the steps to switch.",
        discussion: """
            The configuration goes to standard output, ready for /etc/dmarcd/dmarcd.conf; what \
            OpenDMARC set that dmarcd does not need, and the steps to switch, go to standard \
            error as comments.
            """
    )

    @Argument(help: "OpenDMARC's configuration file.")
    var file: String = "/etc/opendmarc.conf"

    /// The new file's text, and the notes and steps for the postmaster.
    func migrate() -> (configuration: String, notes: String, succeeded: Bool) {
        let result = ConfigurationParser.load(file: file, overrides: [])
        var notes = result.diagnostics.map { "# \($0)\n" }.joined()
        guard !result.hasErrors else { return ("", notes, false) }
        let configuration = result.configuration
        var text = "# dmarcd.conf carried over from \(file) by dmarcd migrate-opendmarc.\n"
        text += "# Every setting is shown; unset ones as comments. See dmarcd.conf(5).\n\n"
        text += configuration.rendered()
        notes += """
            # Steps:
            #  1. Save the configuration above as /etc/dmarcd/dmarcd.conf and check it with
            #     dmarcd check-config /etc/dmarcd/dmarcd.conf
            #  2. systemctl disable --now opendmarc
            #  3. systemctl enable --now dmarcd   (Postfix's smtpd_milters line stays as it was
            #     when the Socket is the same)

            """
        if let history = configuration.historyFile {
            notes += """
                #  4. dmarcd import-opendmarc-history \(history)
                #     brings OpenDMARC's history into dmarcd's database for the next reports; it
                #     can be run again safely, records already imported are skipped.

                """
        }
        return (text, notes, true)
    }

    func run() async throws {
        let (configuration, notes, succeeded) = migrate()
        FileHandle.standardError.write(Data(notes.utf8))
        FileHandle.standardOutput.write(Data(configuration.utf8))
        guard succeeded else { throw ExitCode.failure }
    }
}
