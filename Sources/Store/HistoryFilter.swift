import Auth
import Foundation

/// Which messages of the history to list: every field that is set must match.
public struct HistoryFilter: Sendable, Hashable {
    /// Evaluated at or after this time.
    public var since: Date?
    /// Evaluated before this time.
    public var until: Date?
    /// The From domain or the policy domain, compared without regard to case.
    public var domain: String?
    /// The SMTP client's address as stored (`192.0.2.1`, `2001:db8::1`).
    public var clientIP: String?
    public var result: DMARCResult?
    public var disposition: MessageEvaluation.Disposition?

    public init(since: Date? = nil, until: Date? = nil, domain: String? = nil, clientIP: String? = nil,
                result: DMARCResult? = nil, disposition: MessageEvaluation.Disposition? = nil) {
        self.since = since
        self.until = until
        self.domain = domain
        self.clientIP = clientIP
        self.result = result
        self.disposition = disposition
    }
}

/// Where a page of the history ends, newest first: the next page holds the messages after this
/// one in that order. Time and number together, since imported messages can be numbered out of
/// time order.
public struct HistoryPosition: Sendable, Hashable, LosslessStringConvertible {
    public var timeMilliseconds: Int64
    public var id: Int64

    public init(of record: HistoryRecord) {
        timeMilliseconds = HistoryStore.milliseconds(record.time)
        id = record.id ?? 0
    }

    /// The form used in links: `TIME-ID`.
    public init?(_ description: String) {
        let parts = description.split(separator: "-")
        guard parts.count == 2, let time = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        timeMilliseconds = time
        self.id = id
    }

    public var description: String { "\(timeMilliseconds)-\(id)" }
}
