import Milter
import Testing

struct MilterCodecTests {
    /// One of every command, with the values a real Postfix 3.7 session sends
    /// (../shared/corpus/milter-protocol/postfix-3.7.11-session-trace.txt).
    static let commands: [MilterCommand] = [
        .negotiate(version: 6, actions: MilterActions(rawValue: 0x1ff), protocolFlags: MilterProtocolFlags(rawValue: 0x1fffff)),
        .macros(for: UInt8(ascii: "C"), ["j": "mx.example.test", "{daemon_addr}": "127.0.0.1", "_": "localhost [127.0.0.1]"]),
        .macros(for: UInt8(ascii: "H"), [:]),
        .connect(hostname: "localhost", address: .ipv4("127.0.0.1", port: 40312)),
        .connect(hostname: "mail.example.net", address: .ipv6("2001:db8::25", port: 25)),
        .connect(hostname: "localhost", address: .unixSocket("/var/run/smtp")),
        .connect(hostname: "localhost", address: .unknown),
        .helo("vm"),
        .mail(sender: "<alice@example.com>", parameters: ["SIZE=1234", "BODY=8BITMIME"]),
        .recipient("<bob@example.org>", parameters: []),
        .data,
        .header(name: "DKIM-Signature", value: Array(" v=1; a=rsa-sha256; d=example.com;\n\ts=sel; h=from:subject; b=AAAA".utf8)),
        .header(name: "X-Empty", value: []),
        .endOfHeaders,
        .body(Array("Hello\r\n".utf8)),
        .body([]),
        .endOfMessage([]),
        .endOfMessage(Array("tail\r\n".utf8)),
        .abort,
        .quit,
        .quitNewConnection,
        .unknown("XFOO bar"),
    ]

    static let replies: [MilterReply] = [
        .negotiate(version: 6, actions: [.addHeaders, .changeHeaders, .quarantine], protocolFlags: [.skip, .headerLeadingSpace]),
        .continue, .accept, .reject, .tempfail, .discard, .skip, .progress,
        .replyCode("550 5.7.1 rejected by DMARC policy for example.com"),
        .addHeader(name: "X-Test", value: " value"),
        .insertHeader(index: 0, name: "Authentication-Results", value: " mx.example.test; dmarc=pass header.from=example.com"),
        .changeHeader(index: 2, name: "Authentication-Results", value: ""),
        .quarantine(reason: "DMARC policy of example.com"),
        .addRecipient("<dmarc-failures@example.com>"),
    ]

    @Test(arguments: commands)
    func commandSurvivesEncodingAndParsing(command: MilterCommand) throws {
        var parser = MilterFrameParser()
        parser.append(command.frame)
        #expect(try parser.nextCommand() == command)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test(arguments: replies)
    func replySurvivesEncodingAndParsing(reply: MilterReply) throws {
        var parser = MilterFrameParser()
        parser.append(reply.frame)
        #expect(try parser.nextReply() == reply)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test(arguments: [1, 2, 3, 7, 4096])
    func streamFedInPiecesGivesTheSameCommands(pieceSize: Int) throws {
        let stream = Self.commands.flatMap(\.frame)
        var parser = MilterFrameParser()
        var decoded: [MilterCommand] = []
        var offset = 0
        while offset < stream.count {
            parser.append(stream[offset..<min(offset + pieceSize, stream.count)])
            offset += pieceSize
            while let command = try parser.nextCommand() { decoded.append(command) }
        }
        #expect(decoded == Self.commands)
    }

    @Test func partialFrameWaitsForTheRest() throws {
        let frame = MilterCommand.helo("mail.example.net").frame
        var parser = MilterFrameParser()
        parser.append(frame.dropLast())
        #expect(try parser.nextCommand() == nil)
        parser.append(frame.suffix(1))
        #expect(try parser.nextCommand() == .helo("mail.example.net"))
    }

    @Test func postfixMacroFrameFromTheTraceDecodes() throws {
        // 'D' 'L' "i\0AC450FAE00D\0" as Postfix sends it before a header.
        let payload: [UInt8] = [UInt8(ascii: "L")] + Array("i\u{0}AC450FAE00D\u{0}".utf8)
        var parser = MilterFrameParser()
        parser.append([0, 0, 0, UInt8(payload.count + 1), UInt8(ascii: "D")] + payload)
        #expect(try parser.nextCommand() == .macros(for: UInt8(ascii: "L"), ["i": "AC450FAE00D"]))
    }
}

/// Each malformed frame is an error of its own kind, and nothing after it is read.
struct MilterMalformedFrameTests {
    private func firstError(_ bytes: [UInt8], maximumFrameSize: Int = MilterFrameParser.defaultMaximumFrameSize) -> MilterProtocolError? {
        var parser = MilterFrameParser(maximumFrameSize: maximumFrameSize)
        parser.append(bytes + MilterCommand.quit.frame)
        do {
            while try parser.nextCommand() != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test func zeroLengthFrame() {
        #expect(firstError([0, 0, 0, 0])?.kind == .emptyFrame)
    }

    @Test func oversizedFrameIsRefusedFromItsLengthAlone() {
        var parser = MilterFrameParser(maximumFrameSize: 1000)
        parser.append([0, 0, 0x03, 0xE9])
        #expect(throws: MilterProtocolError.self) { try parser.nextCommand() }
        #expect(firstError([0xFF, 0xFF, 0xFF, 0xFF])?.kind == .oversizedFrame)
    }

    @Test func stringWithoutItsNUL() {
        let error = firstError([0, 0, 0, 3, UInt8(ascii: "H"), UInt8(ascii: "v"), UInt8(ascii: "m")])
        #expect(error?.kind == .malformedPayload)
        #expect(error?.reason.contains("NUL") == true)
    }

    @Test func headerWithoutValue() {
        #expect(firstError([0, 0, 0, 4, UInt8(ascii: "L"), UInt8(ascii: "T"), UInt8(ascii: "o"), 0])?.kind == .malformedPayload)
    }

    @Test func trailingBytesAfterTheLastField() {
        let error = firstError([0, 0, 0, 5, UInt8(ascii: "H"), UInt8(ascii: "v"), 0, UInt8(ascii: "x"), UInt8(ascii: "y")])
        #expect(error?.kind == .malformedPayload)
        #expect(error?.reason.contains("2 unexpected bytes") == true)
    }

    @Test func payloadOnACommandThatTakesNone() {
        #expect(firstError([0, 0, 0, 2, UInt8(ascii: "N"), 0])?.kind == .malformedPayload)
    }

    @Test func unknownCommand() {
        let error = firstError([0, 0, 0, 1, UInt8(ascii: "Z")])
        #expect(error?.kind == .unknownCommand)
        #expect(error?.description == "command 'Z': unknown command")
    }

    @Test func truncatedNegotiation() {
        #expect(firstError([0, 0, 0, 5, UInt8(ascii: "O"), 0, 0, 0, 6])?.kind == .malformedPayload)
    }

    @Test func connectWithUnknownFamily() {
        #expect(firstError([0, 0, 0, 4, UInt8(ascii: "C"), UInt8(ascii: "h"), 0, UInt8(ascii: "X")])?.kind == .malformedPayload)
    }
}

struct MilterNegotiationTests {
    @Test func postfixOfferGetsVersion6AndOnlyWhatTheFilterNeeds() throws {
        let negotiation = try MilterNegotiation(offeredVersion: 6, offeredActions: MilterActions(rawValue: 0x1ff),
                                                offeredFlags: MilterProtocolFlags(rawValue: 0x1fffff))
        #expect(negotiation.reply == .negotiate(version: 6, actions: MilterActions(rawValue: 0x35),
                                                protocolFlags: MilterNegotiation.wantedProtocolFlags))
        #expect(MilterNegotiation.wantedProtocolFlags == [
            .noUnknown, .noData, .noReplyToConnect, .noReplyToHeaders, .noReplyToHelo, .noReplyToRecipient,
            .noReplyToEndOfHeaders, .noReplyToBody, .skip, .headerLeadingSpace,
        ])
    }

    @Test func olderMTAIsAnsweredWithItsOwnVersionAndOnlyFlagsItOffered() throws {
        let negotiation = try MilterNegotiation(offeredVersion: 2, offeredActions: MilterActions(rawValue: 0x3f),
                                                offeredFlags: MilterProtocolFlags(rawValue: 0x7f))
        #expect(negotiation.version == 2)
        #expect(negotiation.actions == [.addHeaders, .addRecipients, .changeHeaders, .quarantine])
        #expect(negotiation.protocolFlags.isEmpty)
        #expect(negotiation.receives(.noData))
    }

    @Test func newerMTAIsAnsweredWithVersion6() throws {
        let negotiation = try MilterNegotiation(offeredVersion: 9, offeredActions: .addHeaders, offeredFlags: [])
        #expect(negotiation.version == 6)
        #expect(negotiation.actions == .addHeaders)
    }

    @Test func versionBelow2IsRefused() {
        #expect(throws: MilterProtocolError.self) {
            try MilterNegotiation(offeredVersion: 1, offeredActions: .addHeaders, offeredFlags: [])
        }
    }
}
