import Foundation
import Reporter
import Testing
import TestSupport

/// Both transports handing a report to a real Postfix on 127.0.0.1, which delivers it into a
/// Maildir: Postfix's own sendmail(1), plain SMTP, SMTP with STARTTLS, and Postfix's refusals.
@Suite(.serialized, ReportPostfix.scope)
struct ReportTransportPostfixTests {
    var stack: ReportPostfix { ReportPostfix.current! }

    func smtp(security: SMTPTransport.Security = .none, caFile: String? = nil, port: Int? = nil,
              replyTimeout: Duration = .seconds(20)) throws -> SMTPTransport {
        try SMTPTransport(settings: .init(host: "127.0.0.1", port: port ?? stack.port, security: security, caFile: caFile,
                                          heloName: "mx.receiver.example", connectTimeout: .seconds(5),
                                          replyTimeout: replyTimeout, dataTimeout: replyTimeout))
    }

    @Test("Postfix's sendmail -t takes the report and Postfix delivers it")
    func postfixSendmail() async throws {
        let marker = ReportTransportFixtures.marker("sendmail")
        let message = try ReportTransportFixtures.reportMessage(to: [ReportPostfix.mailbox], marker: marker)
        let transport = SendmailTransport(command: ["/usr/sbin/sendmail", "-C", stack.postfix.configurationPath, "-t", "-oi"])

        try await transport.send(message, from: ReportTransportFixtures.sender, to: [ReportPostfix.mailbox])

        let delivered = try stack.postfix.waitForDelivery(containing: marker)
        #expect(delivered.contains("Report Domain: example.com"))
        #expect(delivered.contains("Return-Path: <\(ReportTransportFixtures.sender)>"))
    }

    @Test("plain SMTP delivers the report unchanged")
    func plainSMTP() async throws {
        let marker = ReportTransportFixtures.marker("smtp")
        let message = try ReportTransportFixtures.reportMessage(to: [ReportPostfix.mailbox], marker: marker)

        try await smtp().send(message, from: ReportTransportFixtures.sender, to: [ReportPostfix.mailbox])

        let delivered = try stack.postfix.waitForDelivery(containing: marker)
        // Postfix adds Return-Path, Delivered-To and Received above the message and writes LF.
        let original = String(decoding: message, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(delivered.hasSuffix(original))
        #expect(delivered.contains("with ESMTP id"))
    }

    @Test("dot-stuffing keeps lines that start with a dot")
    func dotStuffing() async throws {
        let marker = ReportTransportFixtures.marker("dots")
        let message = Array("X-Test-Marker: \(marker)\r\nSubject: dots\r\n\r\n.\r\n..two\r\n.three\r\nend".utf8)

        try await smtp().send(message, from: ReportTransportFixtures.sender, to: [ReportPostfix.mailbox])

        let delivered = try stack.postfix.waitForDelivery(containing: marker)
        #expect(delivered.hasSuffix("\n\n.\n..two\n.three\nend\n"))
    }

    @Test("STARTTLS with the certificate verified against the configured CA")
    func startTLS() async throws {
        let marker = ReportTransportFixtures.marker("starttls")
        let message = try ReportTransportFixtures.reportMessage(to: [ReportPostfix.mailbox], marker: marker)

        try await smtp(security: .startTLS, caFile: stack.certificate.certificateFile)
            .send(message, from: ReportTransportFixtures.sender, to: [ReportPostfix.mailbox])

        let delivered = try stack.postfix.waitForDelivery(containing: marker)
        // RFC 3848: Postfix names the protocol ESMTPS in its Received field when TLS was used.
        #expect(delivered.contains("with ESMTPS id"), "\(delivered.prefix(600))")
    }

    @Test("a certificate that does not chain to the trusted CAs stops the delivery, as a temporary failure")
    func untrustedCertificate() async throws {
        let stranger = try SelfSignedCertificate()
        defer { stranger.remove() }
        let message = try ReportTransportFixtures.reportMessage(to: [ReportPostfix.mailbox], marker: "untrusted")
        let error = await #expect(throws: TransportError.self) {
            try await smtp(security: .startTLS, caFile: stranger.certificateFile)
                .send(message, from: ReportTransportFixtures.sender, to: [ReportPostfix.mailbox])
        }
        #expect(error?.kind == .temporary, "\(String(describing: error))")
        #expect(error?.reason.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(String(describing: error))")
    }

    @Test("a 550 recipient refusal is permanent")
    func permanentRefusal() async throws {
        let message = try ReportTransportFixtures.reportMessage(to: [ReportPostfix.refusedForGood], marker: "550")
        let error = await #expect(throws: TransportError.self) {
            try await smtp().send(message, from: ReportTransportFixtures.sender, to: [ReportPostfix.refusedForGood])
        }
        #expect(error?.kind == .permanent)
        #expect(error?.reason.contains("550 5.1.1") == true, "\(String(describing: error))")
    }

    @Test("a 450 recipient refusal is temporary")
    func temporaryRefusal() async throws {
        let message = try ReportTransportFixtures.reportMessage(to: [ReportPostfix.refusedForNow], marker: "450")
        let error = await #expect(throws: TransportError.self) {
            try await smtp().send(message, from: ReportTransportFixtures.sender, to: [ReportPostfix.refusedForNow])
        }
        #expect(error?.kind == .temporary)
        #expect(error?.reason.contains("450 4.2.1") == true, "\(String(describing: error))")
    }

    @Test("a port nobody listens on is a temporary failure")
    func deadPort() async throws {
        let port = Int(try FreePort.udpAndTCP())
        let error = await #expect(throws: TransportError.self) {
            try await smtp(port: port).send(Array("x\r\n".utf8), from: ReportTransportFixtures.sender, to: [ReportPostfix.mailbox])
        }
        #expect(error?.kind == .temporary)
    }
}
