import ArgumentParser
import Auth
import DNS
import Foundation
import Logging
import Reporter
import Store

/// `dmarcd report`: aggregate reports from a terminal: what a report would say, building and
/// sending due reports now, and the outbox.
struct AggregateReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Preview, build and list aggregate reports (RFC 9990).",
        subcommands: [Preview.self, Run.self, List.self]
    )

    /// `dmarcd report preview DOMAIN`: the XML of the report about one domain, stored nowhere.
    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the XML of the aggregate report about DOMAIN for one window; nothing is stored or sent.")

        @OptionGroup var options: ConfigurationOptions

        @Argument(help: "The DMARC policy domain.")
        var domain: String

        @Option(help: ArgumentHelp("""
            A time inside the window: a duration back from now (30m, 24h, 7d) or a UTC date or time \
            (2026-11-28, 2026-11-28T09:30:00Z). Default: the latest complete window.
            """, valueName: "WHEN"))
        var window: String?

        func run() throws {
            let configuration = try options.load()
            let schedule = try configuration.reportSchedulerSettings(hostName: ProcessInfo.processInfo.hostName).schedule
            let now = Date()
            let inside = try window.map { text in
                guard let date = HistoryCommand.date(text, now: now) else {
                    throw ValidationError("--window \(text) is not a duration (30m, 24h, 7d) or a UTC date or time")
                }
                return date
            } ?? now.addingTimeInterval(-TimeInterval(schedule.interval))
            let scheduler = try AggregateReportCommand.offlineScheduler(configuration, store: try readStore(configuration))
            let reports = try scheduler.buildReports(policyDomain: domain, window: schedule.window(containing: inside))
            guard !reports.isEmpty else {
                throw ValidationError("no messages with a rua= destination for \(domain) in that window")
            }
            for report in reports {
                FileHandle.standardOutput.write(Data(report.xml))
            }
        }
    }

    /// `dmarcd report run`: what the daemon's scheduler does on its next pass, now.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the due aggregate reports and send what is due now, as the daemon would.",
            discussion: """
                With --dry-run DIR the due reports are built and written to DIR as .eml files, one \
                per report, addressed to every mailto: destination as published; nothing is stored, \
                checked in the DNS or sent.
                """)

        @OptionGroup var options: ConfigurationOptions

        @Option(help: ArgumentHelp("Write the messages to this directory instead.", valueName: "DIR"))
        var dryRun: String?

        func run() async throws {
            let configuration = try options.load()
            let logger = Logger(label: "dmarcd")
            if let directory = dryRun {
                try writeMessages(configuration, into: directory)
                return
            }
            let store = try HistoryStore.open(path: configuration.databasePath)
            let resolver = try UnboundResolver(options: configuration.resolverOptions)
            defer { resolver.shutdown() }
            let makeScheduler = try configuration.reportScheduler(resolver: resolver,
                                                                  hostName: ProcessInfo.processInfo.hostName, logger: logger)
            let run = await makeScheduler(store).runOnce()
            print("\(run.built) reports built, \(run.sent) deliveries sent, \(run.failed) not sent")
            if let error = run.error {
                print("error: \(error)")
                throw ExitCode.failure
            }
        }

        private func writeMessages(_ configuration: Configuration, into directory: String) throws {
            let store = try readStore(configuration)
            let scheduler = try AggregateReportCommand.offlineScheduler(configuration, store: store)
            let now = Date()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let windows = scheduler.settings.schedule.dueWindows(
                lastReportedEnd: try? store.lastReportWindowEnd(), earliestMessage: try store.earliestEvaluationTime(),
                now: now)
            var written = 0
            for window in windows {
                for built in try scheduler.buildReports(window: window) {
                    let recipients = built.destinations.compactMap { DMARCReportURI(parsing: Substring($0))?.mailtoAddress }
                    guard !recipients.isEmpty else { continue }
                    let message = try scheduler.mail(for: built.report, gzip: built.gzip, to: recipients, date: now)
                    let name = built.fileName.description.replacingOccurrences(of: ".xml.gz", with: ".eml")
                    try Data(message).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
                    written += 1
                }
            }
            print("\(windows.count) windows due, \(written) messages written to \(directory)")
        }
    }

    /// `dmarcd report list`: the outbox, newest first.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the reports in the outbox, newest first.")

        @OptionGroup var options: ConfigurationOptions

        @Option(help: "At most this many reports.")
        var limit = 50

        func run() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
            let store = try readStore(try options.load())
            if let run = try store.lastReportRun() {
                let error = run.error.map { ", error: \($0)" } ?? ""
                print("last run \(Self.time(run.time)): \(run.built) built, \(run.sent) sent, \(run.failed) not sent\(error)")
            }
            for report in try store.outboxReports(limit: limit) {
                print([String(report.id), Self.time(report.createdAt), report.kind.rawValue, report.policyDomain,
                       "\(Self.time(report.begin))..\(Self.time(report.end))", "\(report.messageCount) messages",
                       "\(report.byteCount) bytes", report.state.rawValue].joined(separator: "  "))
                for delivery in report.deliveries {
                    var line = "    \(delivery.destination)  \(delivery.state.rawValue)  attempts \(delivery.attempts)"
                    if let next = delivery.nextAttempt, delivery.state == .retrying { line += "  next \(Self.time(next))" }
                    if let error = delivery.lastError { line += "  \(error)" }
                    print(line)
                }
            }
        }

        static func time(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return formatter.string(from: date)
        }
    }

    /// A scheduler for building only: no DNS and a transport that is never called.
    static func offlineScheduler(_ configuration: Configuration, store: HistoryStore) throws -> ReportScheduler {
        let resolver = StaticResolver()
        return try configuration.reportScheduler(resolver: resolver, hostName: ProcessInfo.processInfo.hostName,
                                                 logger: Logger(label: "dmarcd"))(store)
    }
}

/// The database of the configuration for reading, or a clear error when there is none.
private func readStore(_ configuration: Configuration) throws -> HistoryStore {
    guard FileManager.default.fileExists(atPath: configuration.databasePath) else {
        throw ValidationError("no database at \(configuration.databasePath) (DatabasePath)")
    }
    return try HistoryStore.openForReading(path: configuration.databasePath)
}
