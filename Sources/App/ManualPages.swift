import ArgumentParser

/// The manual pages the packages install, written from the same tables the program uses, so
/// they cannot drift from it: dmarcd.conf(5) lists every key of ``ConfigurationKey/all``.
enum ManualPages {
    /// dmarcd.conf(5) in roff (man(7) macros).
    static func configurationFile() -> String {
        var page = """
            .TH DMARCD.CONF 5 "" "dmarcd \(DmarcdVersion.current)" "File Formats"
            .SH NAME
            dmarcd.conf \\- configuration file of dmarcd
            .SH SYNOPSIS
            .B /etc/dmarcd/dmarcd.conf
            .SH DESCRIPTION
            One setting per line: a key, blanks, and the value. Keys are matched without regard to
            case; a
            .B #
            starts a comment; a later line for the same key wins, with a warning. The format is
            that of
            .BR opendmarc.conf ,
            and an existing OpenDMARC file loads as it is: keys dmarcd has no use for are accepted
            with a warning saying why.
            .PP
            .B dmarcd check-config
            checks a file and prints every effective setting;
            .B systemctl reload dmarcd
            rereads it while the daemon runs.
            .SH KEYS

            """
        for key in ConfigurationKey.all where key.status == .supported {
            page += ".TP\n.BI \"\(roff(key.name)) \" \"\(roff(key.form))\"\n\(roff(sentence(key.summary)))\n"
            if let value = key.defaultValue {
                page += "Default: \(roff(value)).\n"
            } else if let whenUnset = key.whenUnset {
                page += "When not set: \(roff(whenUnset)).\n"
            }
            if !key.formerNames.isEmpty {
                page += "Also read under its former name \(key.formerNames.map(roff).joined(separator: ", ")).\n"
            }
        }
        page += ".SH OPENDMARC KEYS NOT NEEDED\nThese load with a warning and have no effect.\n"
        for key in ConfigurationKey.all {
            guard case .notNeeded(let reason) = key.status else { continue }
            page += ".TP\n.B \(roff(key.name))\n\(roff(sentence(reason)))\n"
        }
        page += ".SH SEE ALSO\n.BR dmarcd (8)\n"
        return page
    }

    /// The table's lower-case phrase as a sentence.
    private static func sentence(_ phrase: String) -> String {
        phrase.prefix(1).uppercased() + phrase.dropFirst() + "."
    }

    /// Escapes what roff would read as markup: backslashes, and a dot or quote at a line start.
    private static func roff(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }
}

/// `dmarcd manual dmarcd.conf`: prints a manual page, for packaging.
struct ManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual",
        abstract: "Print the manual page dmarcd.conf(5) in roff.",
        shouldDisplay: false
    )

    @Argument(help: "The page: dmarcd.conf.")
    var page: String

    func run() throws {
        guard page == "dmarcd.conf" else { throw ValidationError("no manual page \"\(page)\"; there is dmarcd.conf") }
        print(ManualPages.configurationFile(), terminator: "")
    }
}
