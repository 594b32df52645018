import Auth
import DNS
import Foundation
import Logging
import Milter
import Reporter
import ServiceLifecycle
import Store

/// Makes DMARC failure reports (RFC 9991) without ever slowing mail: the milter offers each
/// checked message with ``offer(_:)``, which decides at once and only queues; one task builds
/// each queued report, checks its destinations, applies the rate limits and stores it in the
/// report outbox, whose delivery loop (``ReportScheduler``) sends it, retries it and keeps it
/// across restarts like an aggregate report.
final class FailureReportService: Service, Sendable {
    struct Settings: Sendable {
        /// The From: and envelope sender of reports.
        var sender: String
        /// `FailureReportsBcc`: addresses that get every report.
        var copyAddresses: [String]
        /// This host's name, for the Message-ID and the text part.
        var reporter: String
        var userAgent: String
        var policy: FailureReportPolicy
        /// RFC 9991 §8.1: reports per destination address per hour; the rest are discarded.
        var reportsPerDestinationPerHour: Int
        /// Reports about one policy domain per day; the rest are discarded.
        var reportsPerDomainPerDay: Int
        /// Reports waiting to be built; offers beyond this are dropped.
        var queueCapacity: Int
        /// The keys that sign reports whose From: domain has one, as they are when the report
        /// is made: a SIGHUP replaces them.
        var signingKeys = DKIMSigningKeyring()
    }

    /// One report waiting in the queue.
    struct Job: Sendable {
        var candidate: FailureReportCandidate
        var policyDomain: String
        var uris: [DMARCReportURI]
    }

    private let settings: Settings
    private let openStore: @Sendable () async -> HistoryStore?
    private let signal: OutboxSignal
    private let destinations: ReportDestinationChecker
    private let resolver: any DNSResolver
    private let logger: Logger
    private let jobs: AsyncStream<Job>
    private let queue: AsyncStream<Job>.Continuation

    /// A sender that stores its reports in the store `openStore` gives, nil when the daemon
    /// stops first, and raises `signal` after each so that the delivery loop sends it at once.
    init(settings: Settings, openStore: @escaping @Sendable () async -> HistoryStore?, signal: OutboxSignal,
         destinations: ReportDestinationChecker, resolver: any DNSResolver, logger: Logger) {
        self.settings = settings
        self.openStore = openStore
        self.signal = signal
        self.destinations = destinations
        self.resolver = resolver
        self.logger = logger
        (jobs, queue) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(settings.queueCapacity))
    }

    /// Queues a report for `candidate` when its policy asks for one; never waits.
    func offer(_ candidate: FailureReportCandidate) {
        let decision = settings.policy.decision(for: candidate.evaluation.verdict)
        guard case .report(let policyDomain, let uris) = decision else {
            if candidate.evaluation.verdict.dmarc.result == .fail, case .skip(let reason) = decision {
                logger.debug("\(Self.name(of: candidate)): no failure report: \(reason)")
            }
            return
        }
        if case .dropped = queue.yield(Job(candidate: candidate, policyDomain: policyDomain, uris: uris)) {
            logger.warning("\(Self.name(of: candidate)): failure report dropped: \(settings.queueCapacity) reports are waiting")
        }
    }

    func run() async {
        await withGracefulShutdownHandler {
            // Offers queue up meanwhile, so the first reports wait for the database, not mail.
            guard let store = await openStore() else { return }
            var limits = Limits(
                destinations: FailureReportRateLimiter(limit: settings.reportsPerDestinationPerHour, window: 3_600),
                domains: FailureReportRateLimiter(limit: settings.reportsPerDomainPerDay, window: 86_400))
            var sequence = 0
            for await job in jobs {
                sequence += 1
                await storeReport(job, sequence: sequence, limits: &limits, in: store)
            }
        } onGracefulShutdown: {
            // Reports already queued are still stored within the shutdown grace period; what
            // the delivery loop has not sent by then goes out after the restart.
            self.queue.finish()
        }
    }

    /// The rate limits: per destination address and hour, per policy domain and day.
    struct Limits: Sendable {
        var destinations: FailureReportRateLimiter
        var domains: FailureReportRateLimiter
    }

    /// Builds the report, keeps the destinations that pass the RFC 9991 §5 check and the rate
    /// limits, and stores it with one delivery per address that is left.
    func storeReport(_ job: Job, sequence: Int, limits: inout Limits, in store: HistoryStore) async {
        let evaluation = job.candidate.evaluation
        let name = Self.name(of: job.candidate)
        let now = Date()
        guard limits.domains.admit(job.policyDomain, at: now) else {
            logger.info("""
                \(name): no failure report: \(job.policyDomain) had \(settings.reportsPerDomainPerDay) \
                in the last day
                """)
            return
        }
        var report = FailureReport(
            from: settings.sender, to: [settings.sender], reporter: settings.reporter,
            userAgent: settings.userAgent,
            reportID: "\(Int(now.timeIntervalSince1970)).\(sequence).\(String(UInt32.random(in: .min ... .max), radix: 16))",
            date: now,
            original: .init(mailFrom: evaluation.envelope.mailFrom, recipients: job.candidate.recipients,
                            sourceIP: evaluation.envelope.clientIP, arrivalDate: evaluation.time,
                            headerBlock: job.candidate.headerBlock, content: Self.content(of: job.candidate)),
            verdict: evaluation.verdict, deliveryResult: Self.deliveryResult(of: evaluation.disposition),
            spfRecords: await spfRecords(for: evaluation.verdict))
        // The size a `!size` limit is held against: the report with the published addresses in
        // its To: field, which may not all be usable, so they are counted rather than written.
        let draftSize: Int
        do {
            draftSize = try report.message().count
                + job.uris.compactMap(\.mailtoAddress).reduce(0) { $0 + $1.utf8.count + 2 }
        } catch {
            logger.warning("\(name): no failure report: \(error)")
            return
        }
        var accepted: [String] = []
        for destination in await destinations.destinations(policyDomain: job.policyDomain, uris: job.uris,
                                                           messageSize: draftSize, kind: .failure) {
            if let address = destination.address {
                accepted.append(address)
            } else {
                logger.info("\(name): failure report to \(destination)")
            }
        }
        var recipients: [String] = []
        for address in accepted + settings.copyAddresses
        where !recipients.contains(where: { $0.caseInsensitiveCompare(address) == .orderedSame }) {
            if limits.destinations.admit(address, at: now) {
                recipients.append(address)
            } else {
                logger.info("""
                    \(name): no failure report to \(address): it had \(settings.reportsPerDestinationPerHour) \
                    in the last hour
                    """)
            }
        }
        guard !recipients.isEmpty else { return }
        let visible = recipients.filter { accepted.contains($0) }
        report.to = visible.isEmpty ? recipients : visible
        do {
            var message = try report.message()
            let keys = settings.signingKeys.keys
            if !keys.isEmpty {
                let outcome: DKIMMessageSigner.Outcome
                (message, outcome) = DKIMMessageSigner.sign(message, keys: keys, at: now)
                if !outcome.problems.isEmpty {
                    logger.warning("\(name): failure report not signed as configured: \(outcome.problems.joined(separator: "; "))")
                }
            }
            try store.storeFailureReport(
                NewFailureReport(reportID: report.reportID, policyDomain: job.policyDomain, arrivalDate: evaluation.time,
                                 sender: settings.sender, message: Data(message), recipients: recipients),
                at: now)
        } catch {
            logger.warning("\(name): failure report to \(recipients.joined(separator: ", ")) not stored: \(error)")
            return
        }
        signal.raise()
        logger.info("\(name): failure report \(report.reportID) stored for \(recipients.joined(separator: ", "))")
    }

    /// The SPF records behind a failed SPF result, for `SPF-DNS` (RFC 6591 §3.2.6): the checked
    /// domain's and those of the includes that matched. They come from the resolver's cache as
    /// a rule, since the check has just asked for them.
    func spfRecords(for verdict: MessageVerdict) async -> [FailureReport.SPFRecordText] {
        guard let spf = verdict.spf, spf.result != .pass else { return [] }
        var domains = [spf.domain]
        for match in spf.matches where !domains.contains(match.domain) { domains.append(match.domain) }
        var records: [FailureReport.SPFRecordText] = []
        for domain in domains.prefix(10) {
            guard let answer = try? await resolver.txt(domain) else { continue }
            // RFC 7208 §4.5: the record starts with "v=spf1" followed by a space or its end.
            for record in answer.records.map(\.text) {
                let lowered = record.lowercased()
                if lowered == "v=spf1" || lowered.hasPrefix("v=spf1 ") {
                    records.append(.init(domain: domain, text: record))
                }
            }
        }
        return records
    }

    /// The whole message when the milter kept its body, else its header block, saying so when the
    /// body was too large to keep.
    static func content(of candidate: FailureReportCandidate) -> FailureReport.Content {
        if let body = candidate.body { return .message(body: body) }
        return candidate.bodyTooLarge ? .headersOfLargeMessage(limit: FailureReportCandidate.bodyLimit) : .headers
    }

    /// RFC 6591 §3.2.2 for what the milter did.
    static func deliveryResult(of disposition: MessageEvaluation.Disposition) -> FailureReport.DeliveryResult {
        switch disposition {
        case .reject: .reject
        case .quarantine: .policy
        case .pass, .none: .delivered
        }
    }

    /// The message as log lines name it: its queue id and From: domain.
    static func name(of candidate: FailureReportCandidate) -> String {
        let evaluation = candidate.evaluation
        return "\(evaluation.queueID ?? "NOQUEUE"): from=\(evaluation.verdict.dmarc.authorDomain ?? "-")"
    }
}
