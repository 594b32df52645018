import Dispatch
import Foundation
import Logging
import Milter
import Reporter
import ServiceLifecycle
import Store

/// Stores the aggregate reports in mail to our report mailboxes (`ReportMailbox`) without ever
/// slowing mail: the milter hands each captured message to ``take(_:)``, which only queues; one
/// task opens the history and runs ``ReportIntake`` on each message, one after the other. It
/// also stores the reports of the messages that arrive in the `ReportMaildir`.
final class ReportCaptureService: Service, Sendable {
    /// Messages waiting to be ingested; more are dropped. Each may hold up to the milter's
    /// capture limit (32 MiB), so this also bounds the memory they take.
    static let queueCapacity = 16
    /// How often the `ReportMaildir` is looked at: reports come a few times a day.
    static let maildirPollInterval = Duration.seconds(30)

    private let databasePath: String
    private let maildir: WatchedMaildir?
    private let logger: Logger
    private let messages: AsyncStream<CapturedReportMail>
    private let queue: AsyncStream<CapturedReportMail>.Continuation
    /// Ingest parses and writes SQLite synchronously, for up to a few seconds on a large report:
    /// it runs here, never on the event loops that check mail.
    private let ingestQueue = DispatchQueue(label: "dmarcd.report-capture")

    init(databasePath: String, maildir: WatchedMaildir? = nil, logger: Logger) {
        self.databasePath = databasePath
        self.maildir = maildir
        self.logger = logger
        (messages, queue) = AsyncStream.makeStream(of: CapturedReportMail.self,
                                                   bufferingPolicy: .bufferingOldest(Self.queueCapacity))
    }

    /// Queues a captured message; never waits. False when the message was not queued (the queue
    /// is full, or the daemon is stopping), so that the milter delivers it rather than discarding it.
    func take(_ mail: CapturedReportMail) -> Bool {
        switch queue.yield(mail) {
        case .enqueued:
            return true
        case .dropped:
            logger.warning("\(mail.queueID): report mail not ingested: \(Self.queueCapacity) report mails are waiting")
            return false
        case .terminated:
            logger.warning("\(mail.queueID): report mail not ingested: dmarcd is stopping")
            return false
        @unknown default:
            return false
        }
    }

    func run() async {
        // The database opens here, after the account switch, like the history's; one that cannot
        // be opened is tried again later, the milter goes on meanwhile and queues what it captures.
        let opened = await cancelWhenGracefulShutdown { [databasePath, logger] in
            await HistoryStore.openForReports(path: databasePath, logger: logger)
        }
        guard let store = opened ?? nil else { return }
        let intake = ReportIntake(store: store)
        logger.info("reports mailed to ReportMailbox\(maildir.map { " or left in \($0.path)" } ?? "") are stored in \(databasePath)")
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                if let maildir {
                    group.addTask { await self.watch(maildir, with: intake) }
                }
                for await mail in messages {
                    await ingest(mail, with: intake)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // The milter stops first (services stop in reverse order), so what it captured is
            // ingested within the shutdown grace period.
            self.queue.finish()
        }
    }

    /// Stores the reports in `mail` and logs one line per report and per rejected piece.
    func ingest(_ mail: CapturedReportMail, with intake: ReportIntake) async {
        _ = await ingest(source: mail.queueID, with: intake) { mail.bytes }
    }

    /// Stores the reports of each message in the Maildir's `new/` every poll interval, until
    /// cancelled. A message moves to `cur/` once its reports are stored or rejected; one whose
    /// reports could not be written stays in `new/` for the next look.
    func watch(_ maildir: WatchedMaildir, with intake: ReportIntake) async {
        var lastProblem: String?
        while !Task.isCancelled {
            do {
                for message in try maildir.newMessages() where !Task.isCancelled {
                    // One byte over the ingester's limit is enough for it to say the file is too large.
                    let limit = intake.ingester.limits.maximumInputBytes + 1
                    let read = await ingest(source: message.path, with: intake) {
                        let file = try FileHandle(forReadingFrom: message)
                        defer { try? file.close() }
                        return Array(try file.read(upToCount: limit) ?? Data())
                    }
                    if read { try maildir.markSeen(message) }
                }
                lastProblem = nil
            } catch {
                // Said once, not at every look, until it is mended.
                let problem = "ReportMaildir \(maildir.path): \(error)"
                if problem != lastProblem { logger.error("\(problem)") }
                lastProblem = problem
            }
            try? await Task.sleep(for: Self.maildirPollInterval)
        }
    }

    /// Reads the input and stores its reports on the ingest queue, and logs one line per report
    /// and per rejected piece; false when the input could not be read or the reports not written.
    private func ingest(source: String, with intake: ReportIntake,
                        bytes: @escaping @Sendable () throws -> [UInt8]) async -> Bool {
        let (lines, done): ([String], Bool) = await withCheckedContinuation { continuation in
            ingestQueue.async {
                do {
                    // The ingester answers every input with at least one report or rejection.
                    continuation.resume(returning: (try intake.ingest(try bytes(), source: source).map(Self.line), true))
                } catch {
                    continuation.resume(returning: (["\(source): report mail not stored: \(error)"], false))
                }
            }
        }
        for line in lines { logger.notice("\(line)") }
        return done
    }

    /// E.g. `4XyZ: report from google.com id 1234567 for example.com stored`; the origin starts
    /// with the queue id and names the MIME part when a message holds several.
    static func line(_ result: ReportIntake.Result) -> String {
        switch result {
        case .stored(let report, let origin):
            "\(origin): report from \(organization(of: report)) id \(report.metadata.reportID) for \(report.policyDomain) stored"
        case .duplicate(let report, let origin):
            "\(origin): report from \(organization(of: report)) id \(report.metadata.reportID) for \(report.policyDomain) duplicate"
        case .rejected(let origin, let reason):
            "\(origin): report mail rejected: \(reason)"
        }
    }

    private static func organization(of report: AggregateReport) -> String {
        report.metadata.orgName.isEmpty ? "(no org_name)" : report.metadata.orgName
    }
}
