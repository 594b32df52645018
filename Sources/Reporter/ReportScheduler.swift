import Auth
import Foundation
import Logging
import Store

/// Builds the aggregate reports of each reporting window once, keeps them in the store's outbox,
/// and delivers them to each `rua` destination until the mail system takes them (RFC 9990 §3.5).
/// Failure reports (RFC 9991) that the failure report sender stored in the same outbox go out
/// through the same delivery code, with the same backoff, suppression and daily cap.
///
/// A report's bytes are stored with the window's completion in one transaction, so a restart,
/// even after `kill -9`, neither builds a window again nor loses one; a delivery cut off between
/// the mail system's acceptance and its mark in the store is sent again with the same Report-ID,
/// file name and Message-ID, which receivers recognize (RFC 9990 §3.5.1).
public final class ReportScheduler: Sendable {
    public struct Settings: Sendable {
        /// The Reporting Organization in `report_metadata`, and the From address of report mail.
        public var reporter: AggregateReportBuilder.Reporter
        public var schedule: ReportSchedule
        /// How long after a report is built its temporary failures are still retried.
        public var retryTime: TimeInterval
        /// The wait after the first temporary failure; it doubles with each further one.
        public var firstRetryDelay: TimeInterval
        public var maximumRetryDelay: TimeInterval
        /// How long a destination that refused a report for good gets no more reports.
        public var suppressionTime: TimeInterval
        /// Most deliveries handed to the mail system per UTC day; nil for no cap.
        public var dailyCap: Int?
        /// How often the scheduler looks for due windows and deliveries.
        public var pollInterval: Duration
        /// How long finished reports stay in the outbox; nil keeps them.
        public var outboxRetention: TimeInterval?
        public var policyChanges: AggregateReportBuilder.PolicyChanges
        /// Whether runs build aggregate reports; without, they only deliver what the outbox holds.
        public var buildsAggregateReports: Bool
        /// The keys that sign report mail whose From: domain has one (`Sign`, `KeyTable`), as
        /// they are when the mail is made: a SIGHUP replaces them.
        public var signingKeys = DKIMSigningKeyring()

        public init(reporter: AggregateReportBuilder.Reporter, schedule: ReportSchedule, retryTime: TimeInterval = 2 * 86_400,
                    firstRetryDelay: TimeInterval = 300, maximumRetryDelay: TimeInterval = 6 * 3600,
                    suppressionTime: TimeInterval = 7 * 86_400, dailyCap: Int? = 1000, pollInterval: Duration = .seconds(60),
                    outboxRetention: TimeInterval? = 180 * 86_400,
                    policyChanges: AggregateReportBuilder.PolicyChanges = .finalConfiguration,
                    buildsAggregateReports: Bool = true) {
            self.reporter = reporter
            self.schedule = schedule
            self.retryTime = retryTime
            self.firstRetryDelay = firstRetryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.suppressionTime = suppressionTime
            self.dailyCap = dailyCap
            self.pollInterval = pollInterval
            self.outboxRetention = outboxRetention
            self.policyChanges = policyChanges
            self.buildsAggregateReports = buildsAggregateReports
        }
    }

    /// One report as built, before it goes into the outbox.
    public struct BuiltReport: Sendable, Hashable {
        public var report: AggregateReport
        public var xml: [UInt8]
        public var gzip: [UInt8]
        public var fileName: AggregateReportFileName
        /// The `rua` URIs of the configuration the report carries, as published.
        public var destinations: [String]
    }

    public let settings: Settings
    private let store: HistoryStore
    private let transport: any ReportTransport
    private let checker: ReportDestinationChecker
    private let logger: Logger

    public init(settings: Settings, store: HistoryStore, transport: any ReportTransport, checker: ReportDestinationChecker,
                logger: Logger) {
        self.settings = settings
        self.store = store
        self.transport = transport
        self.checker = checker
        self.logger = logger
    }

    /// Runs until the task is cancelled: a pass over due windows and deliveries, then a pause
    /// that `signal` cuts short, so that a report stored meanwhile goes out at once.
    public func run(now: @Sendable () -> Date = { Date() }, signal: OutboxSignal = OutboxSignal()) async {
        while !Task.isCancelled {
            await runOnce(now: now())
            await signal.wait(atMost: settings.pollInterval)
        }
    }

    /// Builds the reports of every due window (when it builds aggregate reports), sends every
    /// due delivery, and records the run.
    @discardableResult
    public func runOnce(now: Date = Date()) async -> ReportRun {
        var run = ReportRun(time: now)
        do {
            if settings.buildsAggregateReports {
                run.built = try buildDueWindows(now: now)
            }
            let (sent, failed) = try await deliverDue(now: now)
            run.sent = sent
            run.failed = failed
            if let retention = settings.outboxRetention {
                try store.expireOutboxReports(olderThan: now.addingTimeInterval(-retention))
            }
        } catch {
            run.error = "\(error)"
            logger.error("report run failed: \(error)")
        }
        if run.built > 0 || run.sent > 0 || run.failed > 0 || run.error != nil {
            logger.info("report run: \(run.built) built, \(run.sent) sent, \(run.failed) not sent")
        }
        do {
            try store.recordReportRun(run)
        } catch {
            logger.error("could not record the report run: \(error)")
        }
        return run
    }

    // MARK: Building

    /// Stores the reports of each due window; the number of reports stored.
    func buildDueWindows(now: Date) throws -> Int {
        let windows = settings.schedule.dueWindows(lastReportedEnd: try store.lastReportWindowEnd(),
                                                   earliestMessage: try store.earliestEvaluationTime(), now: now)
        var built = 0
        for window in windows {
            let reports = try buildReports(window: window)
            let entries = reports.map { built in
                NewOutboxReport(reportID: built.report.metadata.reportID, policyDomain: built.report.policyDomain,
                                fileName: built.fileName.description, messageCount: built.report.messageCount,
                                file: Data(built.gzip), destinations: built.destinations)
            }
            if try store.closeReportWindow(from: window.start, to: window.end, reports: entries, at: now) {
                built += entries.count
                logger.info("reports for \(window.start) to \(window.end): \(entries.count)")
            } else {
                logger.notice("reports for \(window.start) to \(window.end) were stored by another run")
            }
        }
        return built
    }

    /// The reports of every policy domain with a `rua` in `window`. A policy domain that cannot
    /// name a report file (RFC 9990 §3.5.2) is logged and skipped, never stops the others; any
    /// other failure, such as the database's, throws, and the window is tried again later.
    public func buildReports(window: DateInterval) throws -> [BuiltReport] {
        var reports: [BuiltReport] = []
        for domain in try store.reportingPolicyDomains(from: window.start, to: window.end) {
            do {
                reports += try buildReports(policyDomain: domain, window: window)
            } catch let error as AggregateReportFileName.Invalid {
                logger.error("no report for \(domain), \(window.start) to \(window.end): \(error)")
            }
        }
        return reports
    }

    /// The reports about `policyDomain` for `window`: usually one, more only when the domain's
    /// configurations are reported separately.
    public func buildReports(policyDomain: String, window: DateInterval) throws -> [BuiltReport] {
        let dateRange = AggregateReport.DateRange(begin: Int64(window.start.timeIntervalSince1970),
                                                  end: Int64(window.end.timeIntervalSince1970))
        var builder = AggregateReportBuilder(reporter: settings.reporter, dateRange: dateRange,
                                             policyChanges: settings.policyChanges)
        var destinations: [HistoryRecord.PublishedPolicy: [String]] = [:]
        var latestDestinations: [String] = []
        try store.evaluations(policyDomain: policyDomain, from: window.start, to: window.end, pageSize: 10_000) { records in
            for record in records {
                guard let message = AggregateReport.Message(historyRecord: record) else { continue }
                builder.add(message)
                let uris = record.policy?.aggregateReportURIs ?? []
                destinations[message.policyPublished] = uris
                latestDestinations = uris
            }
        }
        return try builder.reports().compactMap { report in
            let uris = settings.policyChanges == .reportPerConfiguration
                ? destinations[report.policyPublished] ?? [] : latestDestinations
            guard !uris.isEmpty else { return nil }
            let xml = AggregateReportXMLWriter.xml(report)
            return BuiltReport(report: report, xml: xml, gzip: try ReportCompression.gzip(xml),
                               fileName: try AggregateReportFileName(report: report, receiver: settings.reporter.domain),
                               destinations: uris)
        }
    }

    /// The mail for a built report to `recipients`, signed when its From: domain has a key.
    public func mail(for report: AggregateReport, gzip: [UInt8], to recipients: [String], date: Date) throws -> [UInt8] {
        let message = try AggregateReportMail(from: settings.reporter.email, to: recipients,
                                              receiver: settings.reporter.domain, date: date)
            .message(for: report, gzipData: gzip)
        let keys = settings.signingKeys.keys
        guard !keys.isEmpty else { return message }
        let (signed, outcome) = DKIMMessageSigner.sign(message, keys: keys, at: date)
        if !outcome.problems.isEmpty {
            logger.warning("aggregate report \(report.metadata.reportID) not signed as configured: \(outcome.problems.joined(separator: "; "))")
        }
        return signed
    }

    // MARK: Delivering

    /// A report as read back from the outbox: what its kind needs to make the mail.
    enum StoredReport {
        /// The XML read back from the gzip file, for the mail's fields, and the file to attach.
        case aggregate(AggregateReport, gzip: [UInt8])
        /// The whole message as built, sent as it is.
        case failure(message: [UInt8])

        init(kind: OutboxReport.Kind, file: Data) throws {
            switch kind {
            case .aggregate:
                let gzip = [UInt8](file)
                let xml = try ReportCompression.gunzip(gzip, maximumSize: 256 << 20)
                self = .aggregate(try AggregateReportXMLReader.read(Data(xml)), gzip: gzip)
            case .failure:
                self = .failure(message: [UInt8](file))
            }
        }
    }

    /// Sends every due delivery, aggregate and failure alike; how many went out and how many did not.
    func deliverDue(now: Date) async throws -> (sent: Int, failed: Int) {
        var sent = 0
        var failed = 0
        var stored: [Int64: StoredReport] = [:]
        for delivery in try store.dueDeliveries(at: now) {
            if let cap = settings.dailyCap, try store.sentDeliveryCount(since: Self.startOfDay(now)) >= cap {
                let tomorrow = Self.startOfDay(now).addingTimeInterval(86_400)
                try store.deferDelivery(delivery.id, until: tomorrow)
                logger.warning("daily cap of \(cap) reports reached; \(delivery.destination) waits until \(tomorrow)")
                continue
            }
            let report: StoredReport
            if let cached = stored[delivery.reportRow] {
                report = cached
            } else {
                guard let file = try store.outboxReportFile(id: delivery.reportRow) else { continue }
                do {
                    report = try StoredReport(kind: delivery.kind, file: file)
                } catch {
                    try store.markDeliveryNotSent(delivery.id, state: .failed, error: "stored report unreadable: \(error)",
                                                  attempted: false)
                    failed += 1
                    continue
                }
                stored[delivery.reportRow] = report
            }
            if try await deliver(delivery, report: report, now: now) {
                sent += 1
            } else {
                failed += 1
            }
        }
        return (sent, failed)
    }

    /// One delivery: the address it goes to, unless suppressed, then the mail handed to the
    /// transport. True when the mail system took it.
    private func deliver(_ delivery: DueDelivery, report: StoredReport, now: Date) async throws -> Bool {
        let name = Self.name(of: delivery)
        let address: String
        let sender: String
        switch report {
        case .aggregate(let aggregate, let gzip):
            guard let checked = try await checkedAddress(delivery, report: aggregate, gzip: gzip, now: now) else {
                return false
            }
            address = checked
            sender = settings.reporter.email
        case .failure:
            // RFC 9991 §5: the `ruf` destinations were checked, and the rate limits applied,
            // before the report was stored with the addresses that passed.
            address = delivery.destination
            sender = delivery.sender ?? settings.reporter.email
        }
        if let suppression = try store.reportDestinationSuppression(address, at: now) {
            try store.markDeliveryNotSent(delivery.id, state: .suppressed,
                                          error: "\(address) suppressed until \(suppression.until): \(suppression.reason)",
                                          attempted: false)
            return false
        }
        do throws(TransportError) {
            let message: [UInt8]
            switch report {
            case .aggregate(let aggregate, let gzip):
                do {
                    message = try mail(for: aggregate, gzip: gzip, to: [address], date: now)
                } catch {
                    throw TransportError(.permanent, "\(error)")
                }
            case .failure(let stored):
                message = stored
            }
            try await transport.send(message, from: sender, to: [address])
        } catch {
            if error.isPermanent {
                logger.warning("\(name) refused by \(address): \(error.reason)")
                try store.markDeliveryNotSent(delivery.id, state: .failed, error: error.reason, attempted: true)
                try store.suppressReportDestination(address, until: now.addingTimeInterval(settings.suppressionTime),
                                                    reason: error.reason)
            } else {
                try retry(delivery, error: error.reason, attempted: true, now: now)
            }
            return false
        }
        try store.markDeliverySent(delivery.id, at: now)
        logger.info("\(name) for \(delivery.policyDomain) sent to \(address)")
        return true
    }

    /// The address an aggregate report's `rua` URI stands for, once the destination is checked
    /// as RFC 9990 §4 says; nil, with the delivery marked, when it gets nothing now.
    private func checkedAddress(_ delivery: DueDelivery, report: AggregateReport, gzip: [UInt8],
                                now: Date) async throws -> String? {
        let uris = delivery.allDestinations.compactMap { DMARCReportURI(parsing: Substring($0)) }
        guard let uri = DMARCReportURI(parsing: Substring(delivery.destination)) else {
            try store.markDeliveryNotSent(delivery.id, state: .failed, error: "not a URI", attempted: false)
            return nil
        }
        // The size check wants the message as it will be; the To field's length differs a little
        // by destination, which the placeholder of the longest address covers.
        let longest = uris.compactMap(\.mailtoAddress).max { $0.utf8.count < $1.utf8.count } ?? "postmaster@invalid"
        let size = try mail(for: report, gzip: gzip, to: [longest], date: now).count
        let decisions = await checker.destinations(policyDomain: delivery.policyDomain, uris: uris, messageSize: size)
        switch decisions.first(where: { $0.uri == uri })?.decision ?? .skipped(.malformedAddress) {
        case .skipped(let reason):
            logger.notice("report \(report.metadata.reportID) for \(delivery.policyDomain) not sent to \(uri): \(reason)")
            try store.markDeliveryNotSent(delivery.id, state: .failed, error: reason.description, attempted: false)
            return nil
        case .retryLater(let reason):
            try retry(delivery, error: "destination check: \(reason)", attempted: false, now: now)
            return nil
        case .accepted(let address):
            return address
        }
    }

    /// A temporary failure: the next attempt after the backoff, or `failed` once the retry time
    /// since the report was built is over.
    private func retry(_ delivery: DueDelivery, error: String, attempted: Bool, now: Date) throws {
        let next = now.addingTimeInterval(retryDelay(afterFailures: delivery.attempts + 1))
        if next.timeIntervalSince(delivery.createdAt) > settings.retryTime {
            logger.warning("\(Self.name(of: delivery)) for \(delivery.policyDomain) to \(delivery.destination) given up: \(error)")
            try store.markDeliveryNotSent(delivery.id, state: .failed, error: "retry time over; last: \(error)",
                                          attempted: attempted)
        } else {
            logger.notice("""
                \(Self.name(of: delivery)) for \(delivery.policyDomain) to \(delivery.destination) retried at \(next): \(error)
                """)
            try store.markDeliveryNotSent(delivery.id, state: .retrying, error: error, nextAttempt: next, attempted: attempted)
        }
    }

    /// The wait after `failures` temporary failures: doubling from the first delay up to the
    /// maximum.
    public func retryDelay(afterFailures failures: Int) -> TimeInterval {
        let doublings = Double(max(0, min(failures - 1, 30)))
        return min(settings.maximumRetryDelay, settings.firstRetryDelay * pow(2, doublings))
    }

    /// The report as log lines name it: its kind and Report-ID.
    static func name(of delivery: DueDelivery) -> String {
        "\(delivery.kind == .failure ? "failure report" : "report") \(delivery.reportID)"
    }

    static func startOfDay(_ date: Date) -> Date {
        let seconds = date.timeIntervalSince1970
        return Date(timeIntervalSince1970: seconds - seconds.truncatingRemainder(dividingBy: 86_400))
    }
}
