import Dispatch
import Logging
import Milter
import Reporter
import ServiceLifecycle
import Store

/// Stores the aggregate reports in mail to our report mailboxes (`ReportMailbox`) without ever
/// slowing mail: the milter hands each captured message to ``take(_:)``, which only queues; one
/// task opens the history and runs ``ReportIntake`` on each message, one after the other.
final class ReportCaptureService: Service, Sendable {
    /// Messages waiting to be ingested; more are dropped. Each may hold up to the milter's
    /// capture limit (32 MiB), so this also bounds the memory they take.
    static let queueCapacity = 16

    private let databasePath: String
    private let logger: Logger
    private let messages: AsyncStream<CapturedReportMail>
    private let queue: AsyncStream<CapturedReportMail>.Continuation
    /// Ingest parses and writes SQLite synchronously, for up to a few seconds on a large report:
    /// it runs here, never on the cooperative threads that the milter's checks use.
    private let ingestQueue = DispatchQueue(label: "dmarcd.report-capture")

    init(databasePath: String, logger: Logger) {
        self.databasePath = databasePath
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
        let opened = await cancelWhenGracefulShutdown { [databasePath, logger] () async -> ReportIntake? in
            // The history writer creates and migrates the database as the daemon starts; GRDB's
            // migrator is not safe against a second connection migrating at the same moment.
            try? await Task.sleep(for: .seconds(2))
            while !Task.isCancelled {
                do {
                    return ReportIntake(store: try HistoryStore.open(path: databasePath))
                } catch {
                    logger.error("report mail ingest waits for the database \(databasePath): \(error)")
                    try? await Task.sleep(for: .seconds(10))
                }
            }
            return nil
        }
        guard let intake = opened else { return }
        logger.info("reports mailed to ReportMailbox are stored in \(databasePath)")
        await withGracefulShutdownHandler {
            for await mail in messages {
                await ingest(mail, with: intake)
            }
        } onGracefulShutdown: {
            // The milter stops first (services stop in reverse order), so what it captured is
            // ingested within the shutdown grace period.
            self.queue.finish()
        }
    }

    /// Stores the reports in `mail` and logs one line per report and per rejected piece.
    func ingest(_ mail: CapturedReportMail, with intake: ReportIntake) async {
        let lines: [String] = await withCheckedContinuation { continuation in
            ingestQueue.async {
                do {
                    // The ingester answers every input with at least one report or rejection.
                    continuation.resume(returning: try intake.ingest(mail.bytes, source: mail.queueID).map(Self.line))
                } catch {
                    continuation.resume(returning: ["\(mail.queueID): report mail not stored: \(error)"])
                }
            }
        }
        for line in lines { logger.notice("\(line)") }
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
