import Milter
import Testing

/// A filter that checks every connection but loopback and every sender but `<skip@example.test>`,
/// and at the end of a message reports what it was fed as one added header field.
struct RecordingFilter: MilterMessageFilter {
    func checksConnection(_ connection: MilterConnection) -> Bool {
        connection.clientIP.map { "\($0)" } != "127.0.0.1"
    }

    func startMessage(connection: MilterConnection, envelope: MilterEnvelope, executor: (any TaskExecutor)?) -> Message? {
        envelope.sender == "<skip@example.test>" ? nil
            : Message(summary: "helo=\(connection.helo) j=\(connection.macros["j"] ?? "-") from=\(envelope.sender)")
    }

    struct Message: MilterFilteredMessage {
        var summary: String

        mutating func recipient(_ address: String) {
            summary += " to=\(address)"
        }

        mutating func header(name: String, value: [UInt8]) {
            summary += " \(name)=\(String(decoding: value, as: UTF8.self))"
        }

        mutating func endOfHeaders() {
            summary += " |"
        }

        mutating func body(_ chunk: [UInt8]) {
            summary += " body:\(chunk.count)"
        }

        mutating func finish(macros: [String: String]) async -> [MilterReply] {
            [.addHeader(name: "X-Seen", value: summary + " queue=\(macros["i"] ?? "-")"), .continue]
        }
    }
}

struct MilterSessionTests {
    /// Postfix's offer (postfix-3.7.11-session-trace.txt): protocol 6, actions 0x1ff, steps 0x1fffff.
    static let postfixOffer = MilterCommand.negotiate(
        version: 6, actions: MilterActions(rawValue: 0x1ff), protocolFlags: MilterProtocolFlags(rawValue: 0x1f_ffff))

    static let connect: [MilterCommand] = [
        postfixOffer,
        .macros(for: UInt8(ascii: "C"), ["j": "mx.example.test"]),
        .connect(hostname: "mail.example.org", address: .ipv4("192.0.2.7", port: 40312)),
        .helo("mail.example.org"),
    ]

    static func message(sender: String = "<alice@example.org>", queueID: String = "4XYZ") -> [MilterCommand] {
        [
            .macros(for: UInt8(ascii: "M"), ["{mail_addr}": sender]),
            .mail(sender: sender, parameters: []),
            .recipient("<bob@example.test>", parameters: []),
            .header(name: "From", value: Array(" alice@example.org".utf8)),
            .header(name: "Subject", value: Array(" hi".utf8)),
            .endOfHeaders,
            .body(Array("Hello\r\n".utf8)),
            .macros(for: UInt8(ascii: "E"), ["i": queueID]),
            .endOfMessage([]),
        ]
    }

    /// Every reply the session sends for the commands, in order.
    static func replies(
        to commands: [MilterCommand], in session: inout MilterSession<RecordingFilter>
    ) async throws -> [MilterReply] {
        var replies: [MilterReply] = []
        for command in commands { replies += try await session.receive(command).replies }
        return replies
    }

    @Test func postfixOfferIsAnsweredWithWhatTheFilterNeedsAndNothingMore() async throws {
        var session = MilterSession(filter: RecordingFilter())
        let output = try await session.receive(Self.postfixOffer)
        #expect(output.replies == [.negotiate(
            version: 6, actions: [.addHeaders, .addRecipients, .changeHeaders, .quarantine],
            protocolFlags: [.noUnknown, .noData, .noReplyToConnect, .noReplyToHeaders, .noReplyToHelo,
                            .noReplyToRecipient, .noReplyToEndOfHeaders, .noReplyToBody, .skip,
                            .headerLeadingSpace])])
        #expect(!output.closesConnection)
    }

    @Test func wholeMessageIsFedToTheFilterAndHeadersGetNoReply() async throws {
        var session = MilterSession(filter: RecordingFilter())
        let replies = try await Self.replies(to: Self.connect + Self.message(), in: &session)
        // Negotiation and MAIL; no reply to connect, HELO, RCPT, header fields, end of header
        // and body (SMFIP_NR_*); then the filter's end-of-message replies.
        #expect(replies.count == 4)
        #expect(replies[1] == .continue)
        #expect(replies.suffix(2) == [
            .addHeader(name: "X-Seen", value: "helo=mail.example.org j=mx.example.test from=<alice@example.org> "
                       + "to=<bob@example.test> "
                       + "From= alice@example.org Subject= hi | body:7 queue=4XYZ"),
            .continue,
        ])
    }

    @Test func abortForgetsTheMessageButKeepsTheConnection() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await Self.replies(to: Self.connect + Self.message().prefix(4) + [.abort], in: &session)
        let replies = try await Self.replies(to: Self.message(sender: "<carol@example.org>"), in: &session)
        #expect(replies.suffix(2).first == .addHeader(
            name: "X-Seen", value: "helo=mail.example.org j=mx.example.test from=<carol@example.org> "
                + "to=<bob@example.test> "
                + "From= alice@example.org Subject= hi | body:7 queue=4XYZ"))
    }

    @Test func aConnectionClosedInTheMiddleOfAMessageEndsItAndNamesItsLastStep() async throws {
        var session = MilterSession(filter: RecordingFilter())
        let queueID = MilterCommand.macros(for: UInt8(ascii: "M"), ["i": "4DROP"])
        _ = try await Self.replies(to: Self.connect + [queueID] + Self.message().prefix(4), in: &session)
        let interrupted = session.connectionClosed()
        #expect(interrupted?.queueID == "4DROP")
        #expect(interrupted?.step == "header")
        #expect(session.connectionClosed() == nil, "the message is gone")
    }

    @Test func aConnectionClosedBetweenMessagesInterruptsNothing() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await Self.replies(to: Self.connect + Self.message(), in: &session)
        #expect(session.connectionClosed() == nil)
    }

    @Test func twoMessagesOnOneConnectionAreCheckedSeparately() async throws {
        var session = MilterSession(filter: RecordingFilter())
        let first = try await Self.replies(to: Self.connect + Self.message(queueID: "4AAA"), in: &session)
        let second = try await Self.replies(to: Self.message(queueID: "4BBB"), in: &session)
        guard case .addHeader(_, let firstValue) = first[first.count - 2],
              case .addHeader(_, let secondValue) = second[second.count - 2] else {
            Issue.record("no X-Seen field in \(first) or \(second)")
            return
        }
        #expect(firstValue.hasSuffix("body:7 queue=4AAA"))
        #expect(secondValue.hasSuffix("body:7 queue=4BBB"))
        #expect(secondValue.components(separatedBy: "Subject").count == 2)
    }

    @Test func messageTheFilterDeclinesIsAcceptedAtMail() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await Self.replies(to: Self.connect, in: &session)
        let output = try await session.receive(.mail(sender: "<skip@example.test>", parameters: []))
        #expect(output.replies == [.accept])
        // The MTA starts the next message afresh.
        let replies = try await Self.replies(to: Self.message(), in: &session)
        #expect(replies.last == .continue)
    }

    @Test func ignoredClientIsAcceptedAtEachMailWhenConnectIsNotAnswered() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await session.receive(Self.postfixOffer)
        let output = try await session.receive(.connect(hostname: "localhost", address: .ipv4("127.0.0.1", port: 1025)))
        #expect(output.replies.isEmpty)
        for _ in 0..<2 {
            #expect(try await session.receive(.mail(sender: "<a@example.com>", parameters: [])).replies == [.accept])
        }
    }

    @Test func ignoredClientIsAcceptedAtConnectByAnMTAThatWaitsForTheReply() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await session.receive(.negotiate(version: 2, actions: MilterActions(rawValue: 0x3f),
                                                 protocolFlags: MilterProtocolFlags(rawValue: 0x7f)))
        let output = try await session.receive(.connect(hostname: "localhost", address: .ipv4("127.0.0.1", port: 1025)))
        #expect(output.replies == [.accept])
    }

    @Test func headerBeforeMailIsAProtocolError() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await Self.replies(to: Self.connect, in: &session)
        await #expect(throws: MilterProtocolError.self) {
            _ = try await session.receive(.header(name: "From", value: Array(" a@example.org".utf8)))
        }
    }

    @Test func recipientAfterTheBodyIsAProtocolError() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await Self.replies(to: Self.connect + Self.message().prefix(7), in: &session)
        do {
            _ = try await session.receive(.recipient("<late@example.test>", parameters: []))
            Issue.record("a recipient after the body was accepted")
        } catch {
            #expect(error.kind == .unexpectedCommand)
            #expect(error.command == UInt8(ascii: "R"))
        }
    }

    @Test func connectBeforeNegotiationIsAProtocolError() async throws {
        var session = MilterSession(filter: RecordingFilter())
        await #expect(throws: MilterProtocolError.self) {
            _ = try await session.receive(.connect(hostname: "x", address: .unknown))
        }
    }

    @Test func quitClosesAndQuitNewConnectionAllowsAnotherSession() async throws {
        var session = MilterSession(filter: RecordingFilter())
        _ = try await Self.replies(to: Self.connect, in: &session)
        #expect(try await session.receive(.quitNewConnection) == .none)
        let again = try await Self.replies(to: Self.connect.dropFirst() + Self.message(), in: &session)
        #expect(again.last == .continue)
        #expect(try await session.receive(.quit).closesConnection)
    }
}
