import Auth
import Foundation
import DNS
import Logging
import Metrics
import NIOConcurrencyHelpers

/// The DMARC policy behind dmarcd's milter: checks SPF, DKIM and DMARC with
/// ``MessageAuthenticator``, replaces forged Authentication-Results fields with our own, and
/// rejects or holds failing mail when configured to.
///
/// The settings can be replaced while mail flows (``update(_:)``, for SIGHUP): connections that
/// are open keep going, and each message is finished with the settings it started with.
public struct DMARCMilterFilter: MilterMessageFilter {
    private let resolver: any DNSResolver
    private let currentSettings: SharedSettings
    let logger: Logger
    private let recordEvaluation: @Sendable (MessageEvaluation) -> Void
    private let offerFailureReport: (@Sendable (FailureReportCandidate) -> Void)?
    private let captureReport: (@Sendable (CapturedReportMail) -> Bool)?

    /// A filter that looks names up with `resolver`, logs one line per checked message and hands
    /// each message's evaluation to `recordEvaluation`, which must not block. With
    /// `offerFailureReport` each message keeps its recipients and header block, and one whose
    /// From: domain has a DMARC record is offered for a failure report; that must not block either.
    /// With `captureReport`, mail to a ``MilterFilterSettings/reportMailboxes`` address is kept
    /// whole and handed to it at the end of the message; it must not block either, and says
    /// whether it took the message (only such mail may be discarded).
    public init(resolver: any DNSResolver, settings: MilterFilterSettings, logger: Logger,
                recordEvaluation: @escaping @Sendable (MessageEvaluation) -> Void = { _ in },
                offerFailureReport: (@Sendable (FailureReportCandidate) -> Void)? = nil,
                captureReport: (@Sendable (CapturedReportMail) -> Bool)? = nil) {
        self.resolver = resolver
        currentSettings = SharedSettings(settings)
        self.logger = logger
        self.recordEvaluation = recordEvaluation
        self.offerFailureReport = offerFailureReport
        self.captureReport = captureReport
    }

    /// The settings new connections and messages are checked with.
    public var settings: MilterFilterSettings {
        currentSettings.value.withLockedValue { $0 }
    }

    /// Checks connections and messages that start from now on with `settings`.
    public func update(_ settings: MilterFilterSettings) {
        currentSettings.value.withLockedValue { $0 = settings }
    }

    /// False for clients in ``MilterFilterSettings/ignoredNetworks`` or
    /// ``MilterFilterSettings/ignoredHostNames``.
    public func checksConnection(_ connection: MilterConnection) -> Bool {
        let settings = self.settings
        if !settings.signingKeys.isEmpty, isInternal(connection, settings: settings) { return true }
        if let ip = connection.clientIP, settings.ignoredNetworks.contains(where: { $0.contains(ip) }) {
            logger.debug("not checking mail from \(ip): an ignored host")
            return false
        }
        if settings.ignoredHostNames.contains(connection.hostname.lowercased()) {
            logger.debug("not checking mail from \(connection.hostname): an ignored host name")
            return false
        }
        return true
    }

    /// Starts signing mail from our own users (see ``signingMessage(connection:envelope:settings:)``),
    /// or the checks with the client, HELO and MAIL FROM; nil for authenticated clients when
    /// ``MilterFilterSettings/ignoreAuthenticatedClients`` is set.
    public func startMessage(connection: MilterConnection, envelope: MilterEnvelope, executor: (any TaskExecutor)?) -> Message? {
        let settings = self.settings
        if let signing = signingMessage(connection: connection, envelope: envelope, settings: settings) {
            return .signed(signing)
        }
        if settings.ignoreAuthenticatedClients, let user = envelope.macros["{auth_authen}"], !user.isEmpty {
            logger.debug("\(envelope.macros["i"] ?? "NOQUEUE"): not checking mail from authenticated client \(user)")
            return nil
        }
        var authenticatorSettings = settings.authenticator
        if settings.authservIDFromMTA, let name = connection.macros["j"], !name.isEmpty {
            authenticatorSettings.authservID = name
        }
        let authenticatorEnvelope = MessageAuthenticator.Envelope(
            clientIP: connection.clientIP, helo: connection.helo, mailFrom: envelope.sender)
        let check = MessageAuthenticator(resolver: resolver, settings: authenticatorSettings, envelope: authenticatorEnvelope,
                                         executor: executor)
        return .checked(CheckedMessage(check: check, envelope: authenticatorEnvelope, executor: executor,
                       settings: settings, logger: logger,
                       recordEvaluation: recordEvaluation, offerFailureReport: offerFailureReport,
                       failureReportMaterial: offerFailureReport == nil
                           ? nil : FailureReportMaterial(keepsBody: settings.failureReportsIncludeMessage),
                       captureReport: captureReport,
                       client: connection.clientIP.map { "\($0)" } ?? connection.address.description,
                       headerLeadingSpace: connection.headerLeadingSpace, queueID: envelope.macros["i"]))
    }

    /// The one copy of the settings that every session's filter sees.
    private final class SharedSettings: Sendable {
        let value: NIOLockedValueBox<MilterFilterSettings>

        init(_ settings: MilterFilterSettings) {
            value = NIOLockedValueBox(settings)
        }
    }

    /// One message under check.
    public struct CheckedMessage: MilterFilteredMessage {
        var check: MessageAuthenticator
        let envelope: MessageAuthenticator.Envelope
        /// Where the checks run; nil for the global executor.
        let executor: (any TaskExecutor)?
        let settings: MilterFilterSettings
        let logger: Logger
        let recordEvaluation: @Sendable (MessageEvaluation) -> Void
        let offerFailureReport: (@Sendable (FailureReportCandidate) -> Void)?
        /// Kept only when failure reports are on: they are the only use of every recipient, the
        /// whole header block and, with ``MilterFilterSettings/failureReportsIncludeMessage``,
        /// the body.
        var failureReportMaterial: FailureReportMaterial?
        let captureReport: (@Sendable (CapturedReportMail) -> Bool)?
        /// Started by the first recipient that is a report mailbox, when there is a capture.
        var reportMailCapture: ReportMailCapture?
        /// Whether a recipient other than the report mailboxes was seen: such mail is never
        /// discarded.
        var hasOtherThanReportMailbox = false
        /// The client's IP address for log lines, or how the MTA described an unknown one.
        let client: String
        let headerLeadingSpace: Bool
        var queueID: String?
        var recipientDomains: [String] = []
        var headerFieldCounts = HeaderFieldCounts()
        var fromField: String?
        var subject: String?
        /// Why the message stays out of the history, and so out of the reports; nil records it.
        var unrecordedBecause: String?
        /// Whether a recipient other than the unrecorded ones was seen.
        var hasRecordedRecipient = false

        public mutating func recipient(_ address: String) {
            failureReportMaterial?.recipient(address)
            let plain = MilterFilterSettings.plainAddress(address)
            if !settings.unrecordedRecipients.contains(plain) {
                hasRecordedRecipient = true
            }
            if captureReport != nil, settings.reportMailboxes.contains(plain) {
                if reportMailCapture == nil { reportMailCapture = ReportMailCapture(limit: settings.reportMailboxMessageLimit) }
            } else {
                hasOtherThanReportMailbox = true
            }
            if let domain = MessageEvaluation.domain(ofAddress: address), !recipientDomains.contains(domain) {
                recipientDomains.append(domain)
            }
        }

        /// Feeds the field to DKIM and the From: and Authentication-Results bookkeeping.
        public mutating func header(name: String, value: [UInt8]) {
            headerFieldCounts.count(name)
            let field = HeaderField(milterName: name, value: value, leadingSpaceStripped: !headerLeadingSpace)
            if fromField == nil, field.hasName("From") { fromField = MessageEvaluation.keptValue(of: field) }
            if subject == nil, field.hasName("Subject") { subject = MessageEvaluation.keptValue(of: field) }
            if unrecordedBecause == nil, let kind = Self.machineReportKind(field) {
                unrecordedBecause = kind
            }
            failureReportMaterial?.header(field)
            reportMailCapture?.header(field)
            check.header(field)
        }

        /// Stops SPF, which started at MAIL FROM, for a message that will not be finished.
        public func abandon() {
            check.cancel()
        }

        /// Ends DKIM's header phase.
        public mutating func endOfHeaders() {
            check.endOfHeaders()
            reportMailCapture?.endOfHeaders()
        }

        /// Feeds DKIM's body hashes, and keeps the chunk when failure reports carry whole messages.
        public mutating func body(_ chunk: [UInt8]) {
            failureReportMaterial?.body(chunk)
            check.body(chunk)
            reportMailCapture?.body(chunk)
        }

        /// The header edits, then reject, quarantine or continue; logs one line for the message.
        public mutating func finish(macros: [String: String]) async -> [MilterReply] {
            // Postfix sends the queue id with MAIL only when the queue file exists by then; it
            // always comes with the end of the message.
            let queue = macros["i"] ?? queueID ?? "NOQUEUE"
            if settings.requiredHeaders, let violation = headerFieldCounts.violation {
                check.cancel()
                logger.info("\(queue): client=\(client) rejected: the header breaks RFC 5322 section 3.6: \(violation)")
                return [.replyCode("550 5.6.0 message header breaks RFC 5322 section 3.6: \(violation)")]
            }
            // The checks report DNS failures and broken input as temperror or permerror inside
            // the verdict, never by throwing, so every message gets a field and an answer.
            let checksStarted = ContinuousClock.now
            var verdict = await finishedInTime()
            MilterMetrics.verdictDuration.record(duration: ContinuousClock.now - checksStarted)
            let dmarc = verdict.dmarc
            let domain = dmarc.authorDomain ?? "-"
            if let author = dmarc.authorDomain, settings.ignoredFromDomains.contains(author) {
                logger.info("\(queue): client=\(client) from=\(domain) not checked: an ignored From: domain")
                return [handOverCapturedMail(queue: queue) && discardsCapturedMail ? .discard : .continue]
            }
            if settings.authservIDWithQueueID, queue != "NOQUEUE" {
                verdict.authservID += "/\(queue)"
            }
            var replies: [MilterReply] = []
            // Changing the n-th field shifts the positions of later ones of the same name when it
            // is removed, so remove from the last one backwards (RFC 8601 §5: fields claiming our
            // authserv-id that we did not add must go).
            for position in verdict.forgedAuthenticationResults.sorted(by: >) {
                replies.append(.changeHeader(index: UInt32(position), name: AuthenticationResultsHeader.fieldName, value: ""))
            }
            // With SMFIP_HDR_LEADSPC the MTA writes the value exactly as given, so it carries the
            // space after the colon itself.
            let space = headerLeadingSpace ? " " : ""
            replies.append(.insertHeader(index: 0, name: AuthenticationResultsHeader.fieldName,
                                         value: space + verdict.authenticationResults.renderFolded()))
            if let software = settings.softwareHeader {
                replies.append(.insertHeader(index: 0, name: "DMARC-Filter", value: space + software))
            }
            let disposition: MessageEvaluation.Disposition
            if settings.requiredFrom, dmarc.authorDomain == nil, let problem = dmarc.authorDomainProblem,
               problem.meansNoFromDomain {
                disposition = .reject
                replies.append(.replyCode("550 5.7.1 no From: domain to check: \(problem)"))
            } else if dmarc.disposition == .reject && settings.rejectFailures {
                disposition = .reject
                replies.append(.replyCode(settings.rejectReply(fromDomain: domain)))
            } else if dmarc.disposition == .quarantine && settings.holdQuarantined {
                disposition = .quarantine
                // SMFIR_QUARANTINE is a modification like the header edits; the final reply follows.
                replies.append(.quarantine(reason: "DMARC policy of \(domain) asks for quarantine"))
                replies.append(.continue)
            } else {
                disposition = dmarc.result == .pass ? .pass : .none
                replies.append(.continue)
            }
            if let copy = settings.copyFailuresTo, dmarc.result == .fail, disposition != .reject,
               dmarc.disposition == .reject || dmarc.disposition == .quarantine {
                // Modifications come before the final reply, which is the last element.
                replies.insert(.addRecipient(copy), at: replies.count - 1)
            }
            // Mail that is refused is not ingested either: its sender learns it did not arrive. Held
            // mail is not discarded, so that whoever releases it finds it.
            let handedOver = disposition != .reject && handOverCapturedMail(queue: queue)
            let discarded = handedOver && discardsCapturedMail && disposition != .quarantine
            if discarded { replies[replies.count - 1] = .discard }
            let override = Self.override(of: verdict, applied: disposition)
            MilterMetrics.countMessage(result: dmarc.result, disposition: disposition)
            let evaluation = MessageEvaluation(
                time: Date(), queueID: queue == "NOQUEUE" ? nil : queue, envelope: envelope,
                recipientDomains: recipientDomains, verdict: verdict, disposition: disposition,
                overrideReason: override?.reason, overrideComment: override?.comment,
                fromField: fromField, subject: subject)
            // Reports about reports, or about mail to our own report mailboxes, could loop.
            let unrecorded = unrecordedBecause ?? (hasRecordedRecipient ? nil
                : !hasOtherThanReportMailbox ? "mail to a ReportMailbox address"
                : "mail to an IgnoreMailTo address")
            if unrecorded == nil {
                recordEvaluation(evaluation)
                if let offerFailureReport, let material = failureReportMaterial, dmarc.record != nil {
                    offerFailureReport(FailureReportCandidate(evaluation: evaluation, recipients: material.recipients,
                                                              headerBlock: material.headerBlock, body: material.body,
                                                              bodyTooLarge: material.bodyTooLarge))
                }
            }
            logger.info("""
                \(queue): client=\(client) from=\(domain) dmarc=\(dmarc.result) \
                disposition=\(dmarc.disposition) \(discarded ? "discarded" : Self.action(for: disposition)): \(dmarc.reason)\
                \(unrecorded.map { "; not recorded for reports: \($0)" } ?? "")
                """)
            return replies
        }
    }
}

extension DMARCMilterFilter.CheckedMessage {
    /// Whether mail handed to the report capture is answered with SMFIR_DISCARD: with
    /// `ReportMailboxDiscard`, when every recipient is a report mailbox, so that nobody else
    /// misses it.
    var discardsCapturedMail: Bool {
        settings.discardReportMailboxMail && !hasOtherThanReportMailbox
    }

    /// Hands the message to the report capture when it went to a report mailbox; true when the
    /// capture took it. A message over the limit was not kept and is delivered as usual.
    mutating func handOverCapturedMail(queue: String) -> Bool {
        guard let capture = reportMailCapture, let captureReport else { return false }
        reportMailCapture = nil
        switch capture.outcome {
        case .captured(let bytes):
            return captureReport(CapturedReportMail(queueID: queue, bytes: bytes))
        case .overLimit(let limit):
            logger.warning("\(queue): mail to a report mailbox not ingested: it is longer than \(limit) bytes")
            return false
        }
    }

    /// What kind of machine-made report a header field shows the message to be, if any:
    /// delivery status notifications and failure reports are `multipart/report` (RFC 6522),
    /// aggregate reports carry the Subject of RFC 9990 §3.5.2.
    static func machineReportKind(_ field: HeaderField) -> String? {
        if field.hasName("Content-Type"), field.unfoldedValue.lowercased().hasPrefix("multipart/report") {
            return "a multipart/report message"
        }
        if field.hasName("Subject"), field.unfoldedValue.lowercased().hasPrefix("report domain:") {
            return "an aggregate report"
        }
        return nil
    }

    /// The checks' verdict, or `temperror` when they take longer than the message deadline; the
    /// checks still running are then cancelled, which stops their DNS queries.
    func finishedInTime() async -> MessageVerdict {
        let deadline = settings.messageDeadline
        return await Deadline.run(within: deadline, executor: executor) { [check] in
            var check = check
            return await check.finish()
        } onTimeout: { [check] in
            check.unfinishedVerdict(reason: "the checks did not finish within \(deadline)")
        }
    }

    /// Why `applied` is milder than the disposition DMARC asked for, in RFC 9990's terms: a
    /// trusted ARC sealer vouched for the message, the record's testing mode, or this site's
    /// choice not to reject or hold.
    static func override(of verdict: MessageVerdict, applied: MessageEvaluation.Disposition)
        -> (reason: MessageEvaluation.OverrideReason, comment: String)?
    {
        let dmarc = verdict.dmarc
        guard dmarc.result == .fail, applied == .none else { return nil }
        if let sealer = verdict.trustedARCSealer {
            return (.trustedForwarder, "arc=pass, sealed by \(sealer), which saw dmarc=pass")
        }
        switch dmarc.disposition {
        case .reject: return (.localPolicy, "RejectFailures is off")
        case .quarantine: return (.localPolicy, "HoldQuarantinedMessages is off")
        case .none:
            guard dmarc.isTestMode || dmarc.isSampledOut else { return nil }
            return dmarc.isTestMode ? (.policyTestMode, "the record asks for testing mode")
                : (.other, "outside the record's pct sample")
        }
    }

    /// The word the log line uses for what happened to the message.
    static func action(for disposition: MessageEvaluation.Disposition) -> String {
        switch disposition {
        case .reject: "rejected"
        case .quarantine: "held"
        case .pass, .none: "delivered"
        }
    }
}
