import ArgumentParser
import Foundation
import Store

/// `dmarcd import-opendmarc-history FILE`: moves OpenDMARC's history into dmarcd's database, in
/// place of `opendmarc-import` and MySQL.
struct ImportOpenDMARCHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-opendmarc-history",
        abstract: "Add the records of an OpenDMARC history file (HistoryFile) to the database.",
        discussion: """
            Writes to the DatabasePath of the configuration; the daemon may be running. A file \
            with at least as many records as the database holds (a first import) is one \
            transaction, during which the daemon's new records wait in its queue; otherwise the \
            import commits every 10,000 records. Importing the same file again adds only records \
            it did not hold before. A record that cannot be read is reported with its line number \
            and skipped; the exit status is then 1.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "OpenDMARC's history file.")
    var file: String

    func run() throws {
        let configuration = try options.load()
        let store = try HistoryStore.open(path: configuration.databasePath)
        let summary = try store.importOpenDMARCHistory(path: file)
        for problem in summary.problems {
            FileHandle.standardError.write(Data("\(file):\(problem.line): \(problem.reason); record skipped\n".utf8))
        }
        print("\(summary.imported) records imported, \(summary.alreadyPresent) already present, "
              + "\(summary.problems.count) skipped")
        if !summary.problems.isEmpty { throw ExitCode.failure }
    }
}
