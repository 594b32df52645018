import Auth

/// A checked message handed over for a possible failure report (RFC 9991): its evaluation plus
/// what only the milter saw, every envelope recipient and the header block as received.
public struct FailureReportCandidate: Sendable {
    /// The most header bytes kept for one message; a report carries no more than this of the
    /// original header block (RFC 9991 §7.1 asks for minimal exposure anyway).
    public static let headerBlockLimit = 64 * 1024
    /// The most envelope recipients kept for one message.
    public static let recipientLimit = 100
    /// The largest body kept for a report with the whole message (`FailureReportsIncludeMessage`);
    /// a larger message is reported with its header block only.
    public static let bodyLimit = 1 << 20

    public var evaluation: MessageEvaluation
    /// The RCPT TO addresses as the MTA gave them, at most ``recipientLimit``.
    public var recipients: [String]
    /// The header fields in arrival order, each ended by CRLF, at most ``headerBlockLimit``
    /// bytes: the fields after the first one that would pass the limit are left out.
    public var headerBlock: [UInt8]
    /// The body as received, when the filter keeps bodies and it stayed within ``bodyLimit``.
    public var body: [UInt8]?
    /// True when the filter kept the body but the message's was larger than ``bodyLimit``.
    public var bodyTooLarge: Bool

    public init(evaluation: MessageEvaluation, recipients: [String], headerBlock: [UInt8], body: [UInt8]? = nil,
                bodyTooLarge: Bool = false) {
        self.evaluation = evaluation
        self.recipients = recipients
        self.headerBlock = headerBlock
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }
}

/// What a message under check keeps for ``FailureReportCandidate`` while it arrives.
struct FailureReportMaterial: Sendable {
    var recipients: [String] = []
    var headerBlock: [UInt8] = []
    private var headerBlockFull = false
    /// The body so far; nil when bodies are not kept or this one passed the limit.
    private(set) var body: [UInt8]?
    private(set) var bodyTooLarge = false

    /// Material that keeps the body too when `keepsBody`.
    init(keepsBody: Bool) {
        body = keepsBody ? [] : nil
    }

    /// Appends a body chunk; past ``FailureReportCandidate/bodyLimit`` the body is dropped at
    /// once rather than held to the end of the message.
    mutating func body(_ chunk: [UInt8]) {
        guard let count = body?.count else { return }
        guard count + chunk.count <= FailureReportCandidate.bodyLimit else {
            body = nil
            bodyTooLarge = true
            return
        }
        body?.append(contentsOf: chunk)
    }

    mutating func recipient(_ address: String) {
        if recipients.count < FailureReportCandidate.recipientLimit { recipients.append(address) }
    }

    mutating func header(_ field: HeaderField) {
        guard !headerBlockFull else { return }
        guard headerBlock.count + field.byteCount <= FailureReportCandidate.headerBlockLimit else {
            headerBlockFull = true
            return
        }
        headerBlock += Array(field.name.utf8) + [UInt8(ascii: ":")] + field.rawValue + [0x0D, 0x0A]
    }
}
