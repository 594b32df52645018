/// One milter connection's protocol state: takes the MTA's commands in order and says what to
/// answer, asking a ``MilterMessageFilter`` for every decision. No sockets: ``MilterServer``
/// feeds it decoded frames and writes what it returns.
///
/// The order of events follows the milter protocol: option negotiation, then per SMTP session
/// connect, HELO (optional, repeatable), then per message MAIL, RCPT…, DATA, header fields, end
/// of header, body chunks and end of message. Abort ends a message (the connection stays), quit
/// ends the connection, and quit-new-connection (protocol 6) lets the MTA reuse the socket for
/// another SMTP session. Events the MTA was told not to send may be absent; anything else out of
/// order is a ``MilterProtocolError`` with kind `unexpectedCommand`.
public struct MilterSession<Filter: MilterMessageFilter>: Sendable {
    /// The steps of a message, in the order the MTA sends them; each may repeat or be skipped,
    /// never go back.
    enum Phase: Int, Comparable {
        case mail, recipient, data, header, endOfHeaders, body

        static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let filter: Filter
    /// Where the filter's work for a message runs; nil for the global executor.
    let executor: (any TaskExecutor)?
    private(set) var negotiation: MilterNegotiation?
    private var connection: MilterConnection?
    private var checksConnection = false
    private var connectionMacros: [String: String] = [:]
    private var messageMacros: [String: String] = [:]
    /// The phase of the message under way; nil between messages.
    private var phase: Phase?
    /// The filter's state for the message under way; nil when the message is not checked.
    private var message: Filter.Message?

    /// A session for a new connection from the MTA, whose messages are checked on `executor`
    /// (nil: the global executor).
    public init(filter: Filter, executor: (any TaskExecutor)? = nil) {
        self.filter = filter
        self.executor = executor
    }

    /// What one command leads to.
    public enum Step: Sendable {
        /// Replies to send at once.
        case output(MilterSessionOutput)
        /// The end of a message: its replies come from ``finish(_:macros:)``, which may wait on
        /// DNS, so the caller runs it where waiting costs nothing.
        case finish(Filter.Message, macros: [String: String])
    }

    /// Handles one command and returns the replies to send, in order, all at once.
    public mutating func receive(_ command: MilterCommand) async throws(MilterProtocolError) -> MilterSessionOutput {
        switch try step(command) {
        case .output(let output): output
        case .finish(let message, let macros): await Self.finish(message, macros: macros)
        }
    }

    /// The replies to the end of a message that ``step(_:)`` handed out.
    public static func finish(_ message: Filter.Message, macros: [String: String]) async -> MilterSessionOutput {
        var message = message
        // SMFIC_BODYEOB is the one event that is always answered.
        return .replies(await message.finish(macros: macros))
    }

    /// Handles one command without waiting: every command but the end of a message is answered
    /// from the session's state alone.
    public mutating func step(_ command: MilterCommand) throws(MilterProtocolError) -> Step {
        switch command {
        case .negotiate(let version, let actions, let flags):
            // Negotiation opens the connection, and may follow SMFIC_QUIT_NC before the next
            // SMTP session; never in the middle of one.
            guard connection == nil else { throw unexpected(command, "option negotiation during an SMTP session") }
            let agreed = try MilterNegotiation(offeredVersion: version, offeredActions: actions, offeredFlags: flags)
            negotiation = agreed
            return .output(.replies([agreed.reply]))

        case .macros(let code, let macros):
            guard negotiation != nil else { throw unexpected(command, "macros before option negotiation") }
            // Macros arrive before the command they belong to, even before events the filter
            // opted out of; those of CONNECT and HELO last for the connection.
            if code == UInt8(ascii: "C") || code == UInt8(ascii: "H") {
                connectionMacros.merge(macros) { $1 }
                connection?.macros.merge(macros) { $1 }
            } else {
                messageMacros.merge(macros) { $1 }
            }
            return .output(.none)

        case .connect(let hostname, let address):
            guard let negotiation else { throw unexpected(command, "connect before option negotiation") }
            guard connection == nil else { throw unexpected(command, "a second connect in one SMTP session") }
            var newConnection = MilterConnection(
                hostname: hostname, address: address,
                headerLeadingSpace: negotiation.protocolFlags.contains(.headerLeadingSpace))
            newConnection.macros = connectionMacros
            connection = newConnection
            checksConnection = filter.checksConnection(newConnection)
            return .output(reply(checksConnection ? .continue : .accept, unless: .noReplyToConnect))

        case .helo(let name):
            guard connection != nil, phase == nil else { throw unexpected(command, "HELO outside an SMTP session or inside a message") }
            connection?.helo = name
            return .output(reply(.continue, unless: .noReplyToHelo))

        case .mail(let sender, _):
            guard let connection, phase == nil else { throw unexpected(command, "MAIL before connect or inside a message") }
            let envelope = MilterEnvelope(sender: sender, macros: messageMacros)
            guard checksConnection, let started = filter.startMessage(connection: connection, envelope: envelope, executor: executor) else {
                // Accepted at MAIL: the MTA sends nothing more for this message.
                messageMacros = [:]
                return .output(reply(.accept, unless: .noReplyToMail))
            }
            message = started
            phase = .mail
            return .output(reply(.continue, unless: .noReplyToMail))

        case .recipient(let address, _):
            try advance(to: .recipient, command)
            message?.recipient(address)
            return .output(reply(.continue, unless: .noReplyToRecipient))

        case .data:
            try advance(to: .data, command)
            return .output(reply(.continue, unless: .noReplyToData))

        case .header(let name, let value):
            try advance(to: .header, command)
            message?.header(name: name, value: value)
            return .output(reply(.continue, unless: .noReplyToHeaders))

        case .endOfHeaders:
            try advance(to: .endOfHeaders, command)
            message?.endOfHeaders()
            return .output(reply(.continue, unless: .noReplyToEndOfHeaders))

        case .body(let chunk):
            try advance(to: .body, command)
            message?.body(chunk)
            return .output(reply(.continue, unless: .noReplyToBody))

        case .endOfMessage(let lastChunk):
            // Taken out, not copied, so that the last chunk goes into the message in place.
            guard phase != nil, var finished = message.take() else { throw unexpected(command, "end of message outside a message") }
            if !lastChunk.isEmpty { finished.body(lastChunk) }
            let macros = connectionMacros.merging(messageMacros) { $1 }
            endMessage()
            return .finish(finished, macros: macros)

        case .abort:
            guard negotiation != nil else { throw unexpected(command, "abort before option negotiation") }
            message?.abandon()
            endMessage()
            return .output(.none)

        case .quit:
            return .output(MilterSessionOutput(replies: [], closesConnection: true))

        case .quitNewConnection:
            endMessage()
            connection = nil
            connectionMacros = [:]
            checksConnection = false
            return .output(.none)

        case .unknown:
            guard connection != nil else { throw unexpected(command, "unknown SMTP command before connect") }
            return .output(reply(.continue, unless: .noReplyToUnknown))
        }
    }

    /// A message the MTA was still sending when its connection closed.
    public struct InterruptedMessage: Sendable, Equatable {
        /// The queue id, when the MTA sent it before the end of the message.
        public var queueID: String?
        /// The last step that arrived: `mail`, `recipient`, `data`, `header`, `endOfHeaders` or `body`.
        public var step: String
    }

    /// The connection closed: abandons the message under way, if any, and returns it.
    public mutating func connectionClosed() -> InterruptedMessage? {
        guard let phase else { return nil }
        let interrupted = InterruptedMessage(queueID: messageMacros["i"] ?? connectionMacros["i"], step: "\(phase)")
        message?.abandon()
        endMessage()
        return interrupted
    }

    private mutating func advance(to next: Phase, _ command: MilterCommand) throws(MilterProtocolError) {
        guard let current = phase, current <= next else {
            throw unexpected(command, phase == nil ? "outside a message" : "after the \(phase!) step of the message")
        }
        phase = next
    }

    private mutating func endMessage() {
        phase = nil
        message = nil
        messageMacros = [:]
    }

    /// The reply, unless the MTA was told (by `flag`) not to wait for one.
    private func reply(_ reply: MilterReply, unless flag: MilterProtocolFlags) -> MilterSessionOutput {
        negotiation?.protocolFlags.contains(flag) == true ? .none : .replies([reply])
    }

    private func unexpected(_ command: MilterCommand, _ reason: String) -> MilterProtocolError {
        MilterProtocolError(.unexpectedCommand, command: command.code.asciiValue, reason)
    }
}
