import Auth

/// A checked message handed over for a possible failure report (RFC 9991): its evaluation plus
/// what only the milter saw, every envelope recipient and the header block as received.
public struct FailureReportCandidate: Sendable {
    /// The most header bytes kept for one message; a report carries no more than this of the
    /// original header block (RFC 9991 §7.1 asks for minimal exposure anyway).
    public static let headerBlockLimit = 64 * 1024
    /// The most envelope recipients kept for one message.
    public static let recipientLimit = 100

    public var evaluation: MessageEvaluation
    /// The RCPT TO addresses as the MTA gave them, at most ``recipientLimit``.
    public var recipients: [String]
    /// The header fields in arrival order, each ended by CRLF, at most ``headerBlockLimit``
    /// bytes: the fields after the first one that would pass the limit are left out.
    public var headerBlock: [UInt8]

    public init(evaluation: MessageEvaluation, recipients: [String], headerBlock: [UInt8]) {
        self.evaluation = evaluation
        self.recipients = recipients
        self.headerBlock = headerBlock
    }
}

/// What a message under check keeps for ``FailureReportCandidate`` while it arrives.
struct FailureReportMaterial: Sendable {
    var recipients: [String] = []
    var headerBlock: [UInt8] = []
    private var headerBlockFull = false

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
