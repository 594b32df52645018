import Foundation
import Reporter
import Testing
import TestSupport

/// SMTP AUTH against a scripted server (the throwaway Postfix has no SASL server): the password
/// travels only inside TLS unless the settings allow otherwise, and each reply waits only so long.
@Suite(.serialized)
struct SMTPTransportAuthTests {
    static let credentials = SMTPTransport.Credentials(user: "reports", password: "s3cret")

    func transport(_ server: ScriptedSMTPServer, certificate: SelfSignedCertificate, security: SMTPTransport.Security,
                   credentials: SMTPTransport.Credentials = credentials,
                   allowsAuthenticationWithoutTLS: Bool = false) throws -> SMTPTransport {
        try SMTPTransport(settings: .init(
            host: "127.0.0.1", port: Int(server.port), security: security, caFile: certificate.certificateFile,
            credentials: credentials, allowsAuthenticationWithoutTLS: allowsAuthenticationWithoutTLS,
            heloName: "mx.receiver.example", connectTimeout: .seconds(5), replyTimeout: .seconds(10)))
    }

    @Test("AUTH PLAIN is sent after STARTTLS, and the report follows")
    func authenticateAfterTLS() async throws {
        let certificate = try SelfSignedCertificate()
        let server = try ScriptedSMTPServer(user: "reports", password: "s3cret", certificate: certificate)
        defer { server.stop() }

        try await transport(server, certificate: certificate, security: .startTLS)
            .send(Array("Subject: x\r\n\r\nbody\r\n".utf8), from: "r@example.org", to: ["a@example.com"])

        let token = Data("\0reports\0s3cret".utf8).base64EncodedString()
        #expect(server.commands == [
            "PLAIN EHLO mx.receiver.example", "PLAIN STARTTLS",
            "TLS EHLO mx.receiver.example", "TLS AUTH PLAIN \(token)",
            "TLS MAIL FROM:<r@example.org>", "TLS RCPT TO:<a@example.com>", "TLS DATA", "TLS QUIT",
        ])
    }

    @Test("AUTH LOGIN when the server offers no PLAIN")
    func authenticateWithLogin() async throws {
        let certificate = try SelfSignedCertificate()
        let server = try ScriptedSMTPServer(user: "reports", password: "s3cret", certificate: certificate, mechanisms: "LOGIN")
        defer { server.stop() }

        try await transport(server, certificate: certificate, security: .startTLS)
            .send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])

        let user = Data("reports".utf8).base64EncodedString()
        let password = Data("s3cret".utf8).base64EncodedString()
        #expect(server.commands.drop { $0 != "TLS AUTH LOGIN" }.prefix(4) ==
            ["TLS AUTH LOGIN", "TLS \(user)", "TLS \(password)", "TLS MAIL FROM:<r@example.org>"])
    }

    @Test("without TLS the password is not sent and the delivery fails for now")
    func noAuthenticationInTheClear() async throws {
        let certificate = try SelfSignedCertificate()
        let server = try ScriptedSMTPServer(user: "reports", password: "s3cret", certificate: certificate)
        defer { server.stop() }

        let error = await #expect(throws: TransportError.self) {
            try await transport(server, certificate: certificate, security: .none)
                .send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }

        #expect(error?.kind == .temporary)
        #expect(error?.reason.contains("without TLS") == true)
        #expect(!server.commands.contains { $0.contains("AUTH") }, "\(server.commands)")
    }

    @Test("AUTH in the clear only when explicitly allowed")
    func authenticationInTheClearWhenAllowed() async throws {
        let certificate = try SelfSignedCertificate()
        let server = try ScriptedSMTPServer(user: "reports", password: "s3cret", certificate: certificate)
        defer { server.stop() }

        try await transport(server, certificate: certificate, security: .none, allowsAuthenticationWithoutTLS: true)
            .send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])

        #expect(server.commands.contains { $0.hasPrefix("PLAIN AUTH PLAIN ") })
    }

    @Test("refused credentials are a temporary failure: the destination is not to blame")
    func wrongPassword() async throws {
        let certificate = try SelfSignedCertificate()
        let server = try ScriptedSMTPServer(user: "reports", password: "s3cret", certificate: certificate)
        defer { server.stop() }

        let error = await #expect(throws: TransportError.self) {
            try await transport(server, certificate: certificate, security: .startTLS,
                                credentials: .init(user: "reports", password: "wrong"))
                .send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }

        #expect(error?.kind == .temporary)
        #expect(error?.reason.contains("535") == true, "\(String(describing: error))")
        #expect(!server.commands.contains { $0.contains("MAIL FROM") })
    }

    @Test("a server that never greets is given up at the reply timeout, as a temporary failure")
    func silentServer() async throws {
        // A listening socket that is never accepted from: the kernel completes the connection,
        // nobody speaks.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = FreePort.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(descriptor, 4) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let transport = try SMTPTransport(settings: .init(host: "127.0.0.1", port: port, security: .none,
                                                          heloName: "mx.receiver.example", replyTimeout: .milliseconds(300)))
        let started = ContinuousClock.now

        let error = await #expect(throws: TransportError.self) {
            try await transport.send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }

        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(error?.kind == .temporary)
        #expect(error?.reason.contains("no reply") == true, "\(String(describing: error))")
    }
}
