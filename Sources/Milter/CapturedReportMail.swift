import Auth

/// A message to one of our report mailboxes (`ReportMailbox`), kept whole while it arrived and
/// handed over at its end so that the aggregate reports in it can be stored: the reports others
/// mail to the `rua` addresses of our domains (RFC 9990 §3.5.2).
public struct CapturedReportMail: Sendable {
    /// The queue id, or `NOQUEUE` when the MTA sent none.
    public var queueID: String
    /// The header block as the MTA passed it (fields in arrival order, CRLF line ends), an empty
    /// line, and the body.
    public var bytes: [UInt8]

    public init(queueID: String, bytes: [UInt8]) {
        self.queueID = queueID
        self.bytes = bytes
    }
}

/// The bytes of a message to a report mailbox while it arrives, up to a limit: a message over it
/// is let go at once rather than held in memory to the end.
struct ReportMailCapture: Sendable {
    /// What became of the message once its end arrived.
    enum Outcome: Sendable, Equatable {
        case captured([UInt8])
        /// Longer than the limit: not kept, so not ingested.
        case overLimit(limit: Int)
    }

    let limit: Int
    private var bytes: [UInt8] = []
    private var isOverLimit = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func header(_ field: HeaderField) {
        append(Array(field.name.utf8) + [UInt8(ascii: ":")] + field.rawValue + [0x0D, 0x0A])
    }

    mutating func endOfHeaders() {
        append([0x0D, 0x0A])
    }

    mutating func body(_ chunk: [UInt8]) {
        append(chunk)
    }

    var outcome: Outcome {
        isOverLimit ? .overLimit(limit: limit) : .captured(bytes)
    }

    /// Checks the limit before keeping a piece; past it, what was kept is freed.
    private mutating func append(_ piece: [UInt8]) {
        guard !isOverLimit else { return }
        guard bytes.count + piece.count <= limit else {
            isOverLimit = true
            bytes = []
            return
        }
        bytes += piece
    }
}
