/// Hands a finished report message to the mail system: a local `sendmail` command or an SMTP
/// smarthost.
public protocol ReportTransport: Sendable {
    /// Submits `message` (RFC 5322, CRLF line ends) with envelope sender `from` to the envelope
    /// recipients `to`.
    func send(_ message: [UInt8], from: String, to: [String]) async throws(TransportError)
}

/// Why a report was not handed over, and whether trying again can help.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the caller should do next.
    public enum Kind: Sendable, Hashable {
        /// The mail system refused it for good (an SMTP 5xx reply, a sendmail exit status that is
        /// not temporary): do not retry; suppress the destination for a while.
        case permanent
        /// It may work later (an SMTP 4xx reply, a network failure, a timeout, EX_TEMPFAIL):
        /// retry with backoff (RFC 9990 §3.5 allows keeping the report for a later try).
        case temporary
    }

    public var kind: Kind
    /// What happened, with the server's reply or the command's output.
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var isPermanent: Bool { kind == .permanent }

    public var description: String {
        "\(kind == .permanent ? "permanent" : "temporary") failure: \(reason)"
    }
}
