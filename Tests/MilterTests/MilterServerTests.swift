import Auth
import DNS
import Foundation
import Logging
import Milter
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// The milter over real sockets with the real DMARC filter, spoken to by a Postfix-like client.
/// The message is John Klensin's mail through the IETF list
/// (../shared/corpus/stalwart-mail-auth/resources/dkim/003.txt): signed twice by d=ietf.org,
/// From: john-ietf@jck.com, so DMARC for jck.com fails and its policy decides.
struct MilterServerTests {
    static let listEnvelope = MilterTestClient.Envelope(
        clientIP: "192.0.2.7", helo: "mail.ietf.org", sender: "<ietf-bounces@ietf.org>")

    /// The message in CRLF form and the DKIM key record the corpus file carries on its first line.
    static func corpusMessage() throws -> (message: [UInt8], keyName: String, keyRecord: String) {
        let text = try Fixtures.text(Fixtures.corpus("stalwart-mail-auth/resources/dkim/003.txt"))
        let split = try #require(text.range(of: "\n\n"))
        let dnsLine = text[..<split.lowerBound]
        let space = try #require(dnsLine.firstIndex(of: " "))
        let body = String(text[split.upperBound...]).replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        return (Array(body.utf8), String(dnsLine[..<space]), String(dnsLine[dnsLine.index(after: space)...]))
    }

    /// The DKIM key, ietf.org's SPF record, and jck.com's DMARC policy when given.
    static func zone(dmarcForJck: String?) throws -> StaticResolver {
        let key = Array(try corpusMessage().keyRecord.utf8)
        var resolver = StaticResolver()
        resolver.add(.txt(TXTRecord(strings: stride(from: 0, to: key.count, by: 255).map {
            Array(key[$0..<min($0 + 255, key.count)])
        })), at: try corpusMessage().keyName)
        resolver.add(.txt(TXTRecord("v=spf1 ip4:192.0.2.0/24 -all")), at: "ietf.org")
        resolver.add(.txt(TXTRecord("v=DMARC1; p=none")), at: "_dmarc.ietf.org")
        if let dmarcForJck { resolver.add(.txt(TXTRecord(dmarcForJck)), at: "_dmarc.jck.com") }
        return resolver
    }

    static func settings(_ change: (inout MilterFilterSettings) -> Void = { _ in }) -> MilterFilterSettings {
        var settings = MilterFilterSettings(authenticator: .init(authservID: "mx.example.test"))
        change(&settings)
        return settings
    }

    /// Runs a milter on `address` for the duration of `body`.
    static func withServer(
        on address: MilterServerAddress = .inet(host: "127.0.0.1", port: 0),
        resolver: any DNSResolver, settings: MilterFilterSettings = settings(),
        progressInterval: Duration = .seconds(10),
        recordEvaluation: @escaping @Sendable (MessageEvaluation) -> Void = { _ in },
        _ body: (MilterServer<DMARCMilterFilter>) async throws -> Void
    ) async throws {
        var logger = Logger(label: "milter-test")
        logger.logLevel = .warning
        let filter = DMARCMilterFilter(resolver: resolver, settings: settings, logger: logger,
                                       recordEvaluation: recordEvaluation)
        let server = try await MilterServer.bind(to: address, filter: filter, progressInterval: progressInterval,
                                                 logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                try await body(server)
            } catch {
                group.cancelAll()
                throw error
            }
            server.stopAccepting()
            try await group.waitForAll()
        }
    }

    static func connectedClient(_ server: MilterServer<DMARCMilterFilter>) throws -> MilterTestClient {
        try MilterTestClient.connect(port: try #require(server.localAddress?.port))
    }

    /// Sends the message through a fresh connection and returns the end-of-message replies.
    static func deliver(
        _ message: [UInt8], to server: MilterServer<DMARCMilterFilter>, envelope: MilterTestClient.Envelope = listEnvelope
    ) async throws -> [MilterReply] {
        let client = try connectedClient(server)
        try await client.negotiate()
        _ = try await client.connectSession(envelope)
        let frames = try await client.sendMessage(message, envelope: envelope)
        try await client.quit()
        return try frames.map { try MilterReply(code: $0.code, payload: $0.payload[...]) }
    }

    /// The value of the Authentication-Results field the filter inserted, unfolded.
    static func insertedResults(_ replies: [MilterReply]) -> String? {
        for case .insertHeader(0, "Authentication-Results", let value) in replies {
            return value.replacingOccurrences(of: "\n\t", with: " ")
        }
        return nil
    }

    @Test func failingMessageGetsResultsFieldAndIsRejectedUnderPolicyReject() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"),
                                  settings: Self.settings { $0.rejectFailures = true }) { server in
            let replies = try await Self.deliver(message, to: server)
            let field = try #require(Self.insertedResults(replies))
            // HDR_LEADSPC is negotiated, so the value brings its own space after the colon.
            #expect(field.hasPrefix(" mx.example.test; spf=pass"))
            #expect(field.hasSuffix("dmarc=fail (p=reject dis=reject) header.from=jck.com"))
            #expect(replies.last == .replyCode("550 5.7.1 rejected by DMARC policy for jck.com"))
        }
    }

    @Test func failingMessageContinuesWhenRejectFailuresIsOff() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject")) { server in
            let replies = try await Self.deliver(message, to: server)
            #expect(Self.insertedResults(replies)?.contains("dmarc=fail") == true)
            #expect(replies.last == .continue)
        }
    }

    @Test func eachCheckedMessageIsRecordedWithWhatWasDoneAndWhy() async throws {
        let message = try Self.corpusMessage().message
        let recorded = NIOLockedValueBox<[MessageEvaluation]>([])
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"),
                                  recordEvaluation: { evaluation in recorded.withLockedValue { $0.append(evaluation) } }) { server in
            _ = try await Self.deliver(message, to: server)
        }
        let evaluation = try #require(recorded.withLockedValue { $0.first })
        #expect(evaluation.queueID == "4ABC123DEF")
        #expect(evaluation.mailFromDomain == "ietf.org")
        #expect(evaluation.recipientDomains == ["mx.example.test"])
        #expect(evaluation.verdict.dmarc.result == .fail)
        // p=reject asked for, RejectFailures off: delivered, and the report says why.
        #expect(evaluation.disposition == .none)
        #expect(evaluation.overrideReason == .localPolicy)
    }

    @Test func reportsAndMailToOurReportMailboxesAreCheckedButNotRecorded() async throws {
        let message = try Self.corpusMessage().message
        let text = String(decoding: message, as: UTF8.self)
        let aggregateReport = Array(("Subject: Report Domain: jck.com Submitter: mx.example Report-ID: <1@mx>\r\n" + text).utf8)
        let bounce = Array(("Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=x\r\n" + text).utf8)
        let recorded = NIOLockedValueBox<[String?]>([])
        let settings = Self.settings { $0.unrecordedRecipients = ["dmarc-reports@mx.example.test"] }
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none"), settings: settings,
                                  recordEvaluation: { evaluation in recorded.withLockedValue { $0.append(evaluation.queueID) } }) { server in
            func send(_ message: [UInt8], queueID: String, recipient: String = "<postmaster@mx.example.test>") async throws {
                var envelope = Self.listEnvelope
                envelope.queueID = queueID
                envelope.recipient = recipient
                let replies = try await Self.deliver(message, to: server, envelope: envelope)
                #expect(Self.insertedResults(replies) != nil, "\(queueID) is still checked")
            }
            try await send(message, queueID: "PLAIN")
            try await send(aggregateReport, queueID: "AGGREGATE")
            try await send(bounce, queueID: "BOUNCE")
            try await send(message, queueID: "TOREPORTS", recipient: "<DMARC-Reports@mx.example.test>")
        }
        #expect(recorded.withLockedValue { $0 } == ["PLAIN"])
    }

    @Test func quarantinePolicyHoldsTheMessageWhenConfigured() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=quarantine"),
                                  settings: Self.settings { $0.holdQuarantined = true }) { server in
            let replies = try await Self.deliver(message, to: server)
            #expect(replies.suffix(2) == [.quarantine(reason: "DMARC policy of jck.com asks for quarantine"), .continue])
        }
    }

    @Test func headerBreakingRFC5322CountsIsRejectedWhenRequiredHeadersIsOn() async throws {
        let message = Array("Subject: a second subject\r\n".utf8) + (try Self.corpusMessage().message)
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none"),
                                  settings: Self.settings { $0.requiredHeaders = true }) { server in
            let replies = try await Self.deliver(message, to: server)
            #expect(replies.last == .replyCode("550 5.6.0 message header breaks RFC 5322 section 3.6: 2 Subject fields"))
            #expect(Self.insertedResults(replies) == nil)
        }
    }

    @Test func messageWithoutFromIsRejectedWhenRequiredFromIsOn() async throws {
        let message = Array("To: someone@example.test\r\nSubject: no author\r\n\r\nbody\r\n".utf8)
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: nil),
                                  settings: Self.settings { $0.requiredFrom = true }) { server in
            let replies = try await Self.deliver(message, to: server)
            #expect(replies.last == .replyCode("550 5.7.1 no From: domain to check: the message has no From field"))
        }
    }

    @Test func failingMessageIsCopiedToCopyFailuresToUnlessRejected() async throws {
        let message = try Self.corpusMessage().message
        let copies = "<dmarc-failures@mx.example.test>"
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=quarantine"),
                                  settings: Self.settings { $0.copyFailuresTo = copies }) { server in
            let replies = try await Self.deliver(message, to: server)
            #expect(replies.suffix(2) == [.addRecipient(copies), .continue])
        }
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"), settings: Self.settings {
            $0.copyFailuresTo = copies
            $0.rejectFailures = true
        }) { server in
            let replies = try await Self.deliver(message, to: server)
            #expect(!replies.contains(.addRecipient(copies)))
        }
    }

    @Test func forgedResultsFieldIsRemovedAndOursInserted() async throws {
        let forged = Array("Authentication-Results: other.example; spf=pass smtp.mailfrom=jck.com\r\n".utf8)
            + Array("Authentication-Results: mx.example.test; dmarc=pass header.from=jck.com\r\n".utf8)
            + (try Self.corpusMessage().message)
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none")) { server in
            let replies = try await Self.deliver(forged, to: server)
            let removal = try #require(replies.firstIndex(of: .changeHeader(index: 2, name: "Authentication-Results", value: "")))
            let insertion = try #require(replies.firstIndex { if case .insertHeader = $0 { true } else { false } })
            #expect(removal < insertion)
            #expect(!replies.contains { if case .changeHeader(1, _, _) = $0 { true } else { false } })
            #expect(Self.insertedResults(replies)?.hasSuffix("dmarc=fail (p=none dis=none) header.from=jck.com") == true)
            #expect(replies.last == .continue)
        }
    }

    @Test func deadDNSStillAnswersWithTemperrorAndContinue() async throws {
        let (message, keyName, _) = try Self.corpusMessage()
        var resolver = StaticResolver()
        for name in [keyName, "ietf.org", "_dmarc.ietf.org", "_dmarc.jck.com", "jck.com", "_dmarc.com"] {
            resolver.fail(name, with: .timeout)
        }
        try await Self.withServer(resolver: resolver, settings: Self.settings { $0.rejectFailures = true }) { server in
            let replies = try await Self.deliver(message, to: server)
            let field = try #require(Self.insertedResults(replies))
            #expect(field.contains("dmarc=temperror"))
            #expect(replies.last == .continue)
        }
    }

    @Test func checksThatOutlastTheDeadlineGiveTemperrorAndTheMTAHearsProgressMeanwhile() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: UnansweredResolver(), settings: Self.settings { $0.messageDeadline = .milliseconds(500) },
                                  progressInterval: .milliseconds(100)) { server in
            let client = try Self.connectedClient(server)
            try await client.negotiate()
            _ = try await client.connectSession(Self.listEnvelope)
            let frames = try await client.sendMessage(message, envelope: Self.listEnvelope)
            try await client.quit()
            #expect(frames.filter { $0.code == UInt8(ascii: "p") }.count >= 3)
            let replies = try frames.map { try MilterReply(code: $0.code, payload: $0.payload[...]) }
            #expect(Self.insertedResults(replies)?.contains("dmarc=temperror") == true)
            #expect(replies.last == .continue)
        }
    }

    @Test func loopbackClientIsAcceptedAtEachMail() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: StaticResolver()) { server in
            let envelope = MilterTestClient.Envelope(clientIP: "127.0.0.1", helo: "localhost", sender: "<a@b.test>")
            let replies = try await Self.deliver(message, to: server, envelope: envelope)
            #expect(replies == [.accept])
        }
    }

    @Test func clientWithAnIgnoredHostNameIsAcceptedAtEachMail() async throws {
        let message = try Self.corpusMessage().message
        // The test client connects as "client.example", the name Postfix would have looked up.
        try await Self.withServer(resolver: StaticResolver(),
                                  settings: Self.settings { $0.ignoredHostNames = ["client.example"] }) { server in
            let client = try Self.connectedClient(server)
            try await client.negotiate()
            // CONNECT is not answered (SMFIP_NR_CONN): the host is accepted at each MAIL instead.
            let replies = try await client.connectSession(Self.listEnvelope)
            #expect(replies.isEmpty)
            for _ in 0..<2 {
                let messageReplies = try await client.sendMessage(message, envelope: Self.listEnvelope)
                #expect(messageReplies.map(\.code) == [UInt8(ascii: "a")])
            }
            try await client.quit()
        }
    }

    @Test func authenticatedClientIsAcceptedAtMailWhenConfigured() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"),
                                  settings: Self.settings { $0.ignoreAuthenticatedClients = true }) { server in
            var envelope = Self.listEnvelope
            envelope.authenticatedUser = "john"
            let replies = try await Self.deliver(message, to: server, envelope: envelope)
            #expect(replies == [.accept])
        }
    }

    @Test func malformedFrameClosesOnlyItsOwnConnection() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none")) { server in
            let healthy = try Self.connectedClient(server)
            try await healthy.negotiate()
            let broken = try Self.connectedClient(server)
            try await broken.negotiate()
            // A connect whose address family is not one the protocol defines.
            try await broken.send("C", Array("host\0X".utf8))
            #expect(try await broken.isClosedByMilter())
            _ = try await healthy.connectSession(Self.listEnvelope)
            let replies = try await healthy.sendMessage(message, envelope: Self.listEnvelope)
            #expect(replies.last?.code == UInt8(ascii: "c"))
            try await healthy.quit()
        }
    }

    @Test func unixSocketServesTheSameAndReplacesTheSocketOfAnEarlierRun() async throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dmarcd-milter-\(UInt32.random(in: 0...UInt32.max)).sock").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try Self.corpusMessage().message
        // The second run binds where the first one's socket file may still be.
        for _ in 0..<2 {
            try await Self.withServer(on: .unix(path: path), resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none")) { _ in
                let client = try MilterTestClient.connect(unixPath: path)
                try await client.negotiate()
                _ = try await client.connectSession(Self.listEnvelope)
                let frames = try await client.sendMessage(message, envelope: Self.listEnvelope)
                let replies = try frames.map { try MilterReply(code: $0.code, payload: $0.payload[...]) }
                #expect(Self.insertedResults(replies)?.hasPrefix(" mx.example.test; spf=pass") == true)
                #expect(replies.last == .continue)
                try await client.quit()
            }
        }
    }

    @Test func unixSocketThatAServerStillAnswersOnIsNotTakenOver() async throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dmarcd-milter-\(UInt32.random(in: 0...UInt32.max)).sock").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = Self.settings()
        try await Self.withServer(on: .unix(path: path), resolver: try Self.zone(dmarcForJck: nil)) { _ in
            let filter = DMARCMilterFilter(resolver: StaticResolver(), settings: settings, logger: Logger(label: "second"))
            await #expect(throws: UnixSocketPathError.self) {
                _ = try await MilterServer.bind(to: .unix(path: path), filter: filter, logger: Logger(label: "second"))
            }
            // The first server still has its socket.
            let client = try MilterTestClient.connect(unixPath: path)
            #expect(try await client.negotiate().version == 6)
            try await client.quit()
        }
    }

    @Test func fileThatIsNotASocketIsNotReplaced() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-not-a-socket-\(UUID().uuidString)").path
        try "keep me".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let filter = DMARCMilterFilter(resolver: StaticResolver(), settings: Self.settings(), logger: Logger(label: "test"))
        await #expect(throws: UnixSocketPathError.self) {
            _ = try await MilterServer.bind(to: .unix(path: path), filter: filter, logger: Logger(label: "test"))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func ipv6ListenerServesTheSame() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(on: .inet6(host: "::1", port: 0), resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none")) { server in
            let client = try MilterTestClient.connect(host: "::1", port: try #require(server.localAddress?.port))
            try await client.negotiate()
            _ = try await client.connectSession(Self.listEnvelope)
            let frames = try await client.sendMessage(message, envelope: Self.listEnvelope)
            let replies = try frames.map { try MilterReply(code: $0.code, payload: $0.payload[...]) }
            #expect(Self.insertedResults(replies)?.hasPrefix(" mx.example.test; spf=pass") == true)
            try await client.quit()
        }
    }

    @Test func twoMessagesOnOneConnectionEachGetAnAnswer() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none")) { server in
            let client = try Self.connectedClient(server)
            try await client.negotiate()
            _ = try await client.connectSession(Self.listEnvelope)
            for _ in 0..<2 {
                let replies = try await client.sendMessage(message, envelope: Self.listEnvelope)
                #expect(replies.last?.code == UInt8(ascii: "c"))
            }
            try await client.quit()
        }
    }

    @Test func stoppingKeepsOpenConnectionsAndRefusesNewOnes() async throws {
        let message = try Self.corpusMessage().message
        try await Self.withServer(resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=none")) { server in
            let port = try #require(server.localAddress?.port)
            let open = try MilterTestClient.connect(port: port)
            try await open.negotiate()
            server.stopAccepting()
            // The listening socket closes on the event loop; wait until connecting fails.
            let deadline = ContinuousClock.now + .seconds(5)
            while (try? MilterTestClient.connect(port: port)) != nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(throws: (any Error).self) { _ = try MilterTestClient.connect(port: port) }
            _ = try await open.connectSession(Self.listEnvelope)
            let replies = try await open.sendMessage(message, envelope: Self.listEnvelope)
            #expect(replies.last?.code == UInt8(ascii: "c"))
            try await open.quit()
        }
    }
}

/// A DNS server that never answers: each query waits until it is cancelled.
struct UnansweredResolver: DNSResolver {
    func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord> {
        try? await Task.sleep(for: .seconds(3600))
        throw .timeout
    }
}
