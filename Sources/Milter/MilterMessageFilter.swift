/// The policy behind a milter session: decides per connection and per message whether to look
/// at the mail, and what to do with it at the end.
public protocol MilterMessageFilter: Sendable {
    /// The state of one message being checked.
    associatedtype Message: MilterFilteredMessage

    /// False to leave the whole connection alone: the session answers SMFIR_ACCEPT and the MTA
    /// stops sending this connection's events.
    func checksConnection(_ connection: MilterConnection) -> Bool

    /// The state for checking a message, or nil to accept it unchecked. The message's work
    /// runs on `executor` (its connection's event loop), or on the global executor when nil.
    func startMessage(connection: MilterConnection, envelope: MilterEnvelope, executor: (any TaskExecutor)?) -> Message?
}

/// One message being checked by a ``MilterMessageFilter``, fed in message order.
public protocol MilterFilteredMessage: Sendable {
    /// One RCPT TO address as the MTA sent it, usually in angle brackets.
    mutating func recipient(_ address: String)
    /// One header field, its value as the MTA sent it.
    mutating func header(name: String, value: [UInt8])
    /// The header ends; the body follows.
    mutating func endOfHeaders()
    /// A piece of the body, CRLF line ends.
    mutating func body(_ chunk: [UInt8])
    /// The replies to SMFIC_BODYEOB: header changes first, then exactly one final reply
    /// (continue, accept, reject, tempfail, discard or a reply code).
    ///
    /// `macros` are those sent for the end of the message (Postfix sends the queue id `i` here
    /// at the latest). This never throws: a filter that cannot decide must still answer, as a
    /// dropped connection makes Postfix apply `milter_default_action` to all mail.
    mutating func finish(macros: [String: String]) async -> [MilterReply]

    /// The message ends without an end: the MTA aborted it or dropped the connection. Work
    /// started for it in the background (SPF's lookups) should stop.
    func abandon()
}

extension MilterFilteredMessage {
    public func abandon() {}
}
