import Foundation

/// One report in the outbox, aggregate or failure, and what became of it at each of its
/// destinations.
public struct OutboxReport: Sendable, Hashable {
    /// Which report it is, which decides how its stored file is read and sent.
    public enum Kind: String, Sendable, CaseIterable {
        /// An RFC 9990 aggregate report: the file is the gzip XML, mailed to checked `rua` URIs.
        case aggregate
        /// An RFC 9991 failure report: the file is the whole message, mailed as it is to
        /// addresses checked before it was stored.
        case failure
    }

    public enum State: String, Sendable, CaseIterable {
        /// Not tried yet.
        case pending
        /// Handed to the mail system.
        case sent
        /// A temporary failure; tried again at `nextAttempt`.
        case retrying
        /// Given up: refused for good, not authorized, or still failing when the retry time ran out.
        case failed
        /// Not sent because the destination refused an earlier report for good and is left alone
        /// for a while.
        case suppressed
    }

    public struct Delivery: Sendable, Hashable {
        /// The `rua` URI as the policy record published it, or a failure report's address.
        public var destination: String
        public var state: State
        public var attempts: Int
        public var lastError: String?
        public var nextAttempt: Date?
        public var sentAt: Date?

        public init(destination: String, state: State, attempts: Int = 0, lastError: String? = nil,
                    nextAttempt: Date? = nil, sentAt: Date? = nil) {
            self.destination = destination
            self.state = state
            self.attempts = attempts
            self.lastError = lastError
            self.nextAttempt = nextAttempt
            self.sentAt = sentAt
        }
    }

    public var id: Int64
    public var kind: Kind
    /// The Report-ID of the XML, the Subject and the file name (RFC 9990 §3.1.4); for a failure
    /// report, the left side of its Message-ID.
    public var reportID: String
    public var policyDomain: String
    /// The reporting window (RFC 9990 §3.1.1.4); for a failure report, begin and end are the
    /// reported message's arrival.
    public var begin: Date
    public var end: Date
    public var createdAt: Date
    /// The attachment's name (RFC 9990 §3.5.2), or the name a failure report downloads as.
    public var fileName: String
    public var messageCount: Int
    /// The size of the stored file: gzip XML, or a failure report's whole message.
    public var byteCount: Int
    public var deliveries: [Delivery]
    /// The report's overall state, from its deliveries.
    public var state: State

    public init(id: Int64, kind: Kind = .aggregate, reportID: String, policyDomain: String, begin: Date, end: Date,
                createdAt: Date, fileName: String, messageCount: Int, byteCount: Int, deliveries: [Delivery]) {
        self.id = id
        self.kind = kind
        self.reportID = reportID
        self.policyDomain = policyDomain
        self.begin = begin
        self.end = end
        self.createdAt = createdAt
        self.fileName = fileName
        self.messageCount = messageCount
        self.byteCount = byteCount
        self.deliveries = deliveries
        self.state = Self.state(of: deliveries.map(\.state))
    }

    /// Work still to do shows first; then a report that reached anyone counts as sent; `failed`
    /// only when no destination got it and one failed.
    static func state(of deliveries: [State]) -> State {
        for state in [State.retrying, .pending, .sent, .failed] where deliveries.contains(state) { return state }
        return deliveries.isEmpty ? .failed : .suppressed
    }
}

/// One run of the report scheduler, for the status page's "last report run".
public struct ReportRun: Sendable, Hashable {
    public var time: Date
    /// Reports built and stored in the outbox.
    public var built: Int
    /// Deliveries handed to the mail system.
    public var sent: Int
    /// Deliveries that failed, temporarily or for good.
    public var failed: Int
    /// What stopped the run, if anything did.
    public var error: String?

    public init(time: Date, built: Int = 0, sent: Int = 0, failed: Int = 0, error: String? = nil) {
        self.time = time
        self.built = built
        self.sent = sent
        self.failed = failed
        self.error = error
    }
}

/// A report ready for the outbox: its stored file and the destinations to send it to.
public struct NewOutboxReport: Sendable, Hashable {
    public var reportID: String
    public var policyDomain: String
    public var fileName: String
    public var messageCount: Int
    /// The gzip file, exactly as it is sent.
    public var file: Data
    /// The `rua` URIs as published, each once.
    public var destinations: [String]

    public init(reportID: String, policyDomain: String, fileName: String, messageCount: Int, file: Data,
                destinations: [String]) {
        self.reportID = reportID
        self.policyDomain = policyDomain
        self.fileName = fileName
        self.messageCount = messageCount
        self.file = file
        self.destinations = destinations
    }
}

/// A failure report ready for the outbox: the message as built and the addresses that passed
/// the destination check and the rate limits.
public struct NewFailureReport: Sendable, Hashable {
    /// The left side of the report's Message-ID, unique among this host's reports.
    public var reportID: String
    /// The DMARC Policy Domain whose `ruf` asked for it.
    public var policyDomain: String
    /// When the reported message arrived.
    public var arrivalDate: Date
    /// The envelope sender the report goes out with.
    public var sender: String
    /// The whole MIME message, exactly as it is sent to every address.
    public var message: Data
    /// The envelope recipients, each once, case aside.
    public var recipients: [String]

    public init(reportID: String, policyDomain: String, arrivalDate: Date, sender: String, message: Data,
                recipients: [String]) {
        self.reportID = reportID
        self.policyDomain = policyDomain
        self.arrivalDate = arrivalDate
        self.sender = sender
        self.message = message
        self.recipients = recipients
    }

    /// The name the stored message downloads as.
    public var fileName: String { "\(reportID).eml" }
}

/// A delivery whose time has come, with what it takes to send it.
public struct DueDelivery: Sendable, Hashable {
    /// The delivery's row.
    public var id: Int64
    /// The report's row.
    public var reportRow: Int64
    public var kind: OutboxReport.Kind
    /// A failure report's envelope sender; nil for an aggregate report, which goes from the
    /// report address.
    public var sender: String?
    /// The report's Report-ID, for log lines.
    public var reportID: String
    public var policyDomain: String
    public var destination: String
    public var attempts: Int
    /// When the report was built: retries stop a configured time after it.
    public var createdAt: Date
    /// Every destination the report has, so that per-domain limits count them in published order.
    public var allDestinations: [String]

    public init(id: Int64, reportRow: Int64, kind: OutboxReport.Kind, sender: String?, reportID: String,
                policyDomain: String, destination: String, attempts: Int, createdAt: Date, allDestinations: [String]) {
        self.id = id
        self.reportRow = reportRow
        self.kind = kind
        self.sender = sender
        self.reportID = reportID
        self.policyDomain = policyDomain
        self.destination = destination
        self.attempts = attempts
        self.createdAt = createdAt
        self.allDestinations = allDestinations
    }
}
