import ArgumentParser
import Foundation
import Reporter
import Store

/// `dmarcd ingest PATH... | -`: stores the aggregate reports others sent about our domains from
/// report files, mail messages, mbox files and Maildir folders, for reports received before
/// dmarcd took them from the mail stream.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store the aggregate reports in files, mail messages, mbox files and Maildir folders.",
        discussion: """
            Writes to the DatabasePath of the configuration; the daemon may be running. Each PATH \
            is a report file (XML, gzip or zip), a mail message, an mbox file, a Maildir folder \
            (cur/ and new/) or a directory, read recursively; - reads one input from standard \
            input. Prints one line per report found (stored or duplicate: the same reporter's \
            report id was stored before) and per piece that could not be read (rejected, with \
            the reason), then a summary. The exit status is 0 when nothing was rejected, 1 \
            otherwise.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: ArgumentHelp("Files, directories, mbox files, Maildir folders, or - for standard input.",
                                 valueName: "PATH"))
    var paths: [String]

    func run() throws {
        let configuration = try options.load()
        let intake = ReportIntake(store: try HistoryStore.open(path: configuration.databasePath))
        var counts = (inputs: 0, stored: 0, duplicates: 0, rejected: 0)
        for path in paths {
            for input in Self.inputs(at: path) {
                counts.inputs += 1
                let results: [ReportIntake.Result]
                switch Self.read(input, limit: intake.ingester.limits.maximumInputBytes) {
                case .success(let bytes): results = try intake.ingest(bytes, source: input)
                case .failure(let problem): results = [.rejected(origin: input, reason: problem.description)]
                }
                for result in results {
                    print(Self.line(result))
                    switch result {
                    case .stored: counts.stored += 1
                    case .duplicate: counts.duplicates += 1
                    case .rejected: counts.rejected += 1
                    }
                }
            }
        }
        print("\(counts.inputs) inputs: \(counts.stored) reports stored, \(counts.duplicates) duplicates, "
              + "\(counts.rejected) rejected")
        if counts.rejected > 0 { throw ExitCode.failure }
    }

    /// E.g. `stored report.xml.gz: google.com 1234567 (3 records, 12 messages)`.
    static func line(_ result: ReportIntake.Result) -> String {
        switch result {
        case .stored(let report, let origin):
            "stored \(origin): \(summary(report))"
        case .duplicate(let report, let origin):
            "duplicate \(origin): \(summary(report))"
        case .rejected(let origin, let reason):
            "rejected \(origin): \(reason)"
        }
    }

    static func summary(_ report: AggregateReport) -> String {
        let records = report.records.count == 1 ? "1 record" : "\(report.records.count) records"
        let messages = report.messageCount == 1 ? "1 message" : "\(report.messageCount) messages"
        let org = report.metadata.orgName.isEmpty ? "(no org_name)" : report.metadata.orgName
        return "\(org) \(report.metadata.reportID) for \(report.policyDomain) (\(records), \(messages))"
    }

    /// Why an input could not be read.
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// The inputs `path` stands for: itself, or the files under a directory in name order. In a
    /// Maildir (a folder with `cur` and `new`) only those two hold messages; `tmp` holds
    /// deliveries in progress, and the rest is the mail system's bookkeeping. Hidden files
    /// elsewhere are left out for the same reason.
    static func inputs(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return [path] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        let folder = URL(fileURLWithPath: path)
        if names.contains("cur") && names.contains("new") {
            let subfolders = names.filter { $0.hasPrefix(".") && $0 != "." && $0 != ".." }
            return ["cur", "new"].flatMap { files(in: folder.appendingPathComponent($0).path) }
                + subfolders.flatMap { name -> [String] in
                    let subfolder = folder.appendingPathComponent(name).path
                    return isMaildir(subfolder) ? inputs(at: subfolder) : []
                }
        }
        return names.filter { !$0.hasPrefix(".") }.map { folder.appendingPathComponent($0).path }
            .filter { !isLinkedDirectory($0) }.flatMap(inputs(at:))
    }

    /// A symbolic link to a directory, which a walk does not follow: it could lead back up.
    private static func isLinkedDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
            && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func isMaildir(_ path: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.contains("cur") && names.contains("new")
    }

    private static func files(in path: String) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        return names.filter { !$0.hasPrefix(".") }.map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
    }

    /// The bytes of a file, or of standard input for `-`; an input larger than `limit` is not
    /// read at all, or, from standard input, not beyond the limit.
    static func read(_ input: String, limit: Int) -> Result<[UInt8], Unreadable> {
        if input == "-" {
            var bytes: [UInt8] = []
            while bytes.count <= limit {
                let chunk = FileHandle.standardInput.readData(ofLength: 1 << 20)
                if chunk.isEmpty { return .success(bytes) }
                bytes += chunk
            }
            return .failure(Unreadable(description: "standard input has more than \(limit) bytes"))
        }
        do {
            let size = try FileManager.default.attributesOfItem(atPath: input)[.size] as? Int ?? 0
            guard size <= limit else {
                return .failure(Unreadable(description: "the file has \(size) bytes, more than the limit of \(limit)"))
            }
            return .success(Array(try Data(contentsOf: URL(fileURLWithPath: input))))
        } catch {
            return .failure(Unreadable(description: "cannot read the file (\(error.localizedDescription))"))
        }
    }
}
