import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import NIOConcurrencyHelpers

/// One SMTP conversation, as a sequence of commands each awaiting its reply (RFC 5321 §3.3,
/// §4.3.2 for which replies each command may get).
struct SMTPSession {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let settings: SMTPTransport.Settings
    private let tlsContext: NIOSSLContext?
    private var parser = SMTPReplyParser()
    private var isEncrypted = false

    init(channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
         outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, settings: SMTPTransport.Settings, tlsContext: NIOSSLContext?) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.settings = settings
        self.tlsContext = tlsContext
    }

    /// The whole transaction, ending with QUIT.
    ///
    /// Refusals before MAIL (greeting, EHLO, STARTTLS, AUTH) concern the smarthost and our
    /// settings, not the report's destination, so they are temporary whatever their code:
    /// suppressing a destination for them would be wrong. From MAIL on, 5yz is permanent and
    /// 4yz temporary (RFC 5321 §4.2.1).
    mutating func deliver(_ message: [UInt8], from: String, to: [String]) async throws(TransportError) {
        try expect(await reply(within: settings.replyTimeout), stage: "greeting", codes: [220])
        var extensions = try await hello()
        if settings.security == .startTLS {
            guard extensions["STARTTLS"] != nil else {
                throw TransportError(.temporary, "\(settings.host) does not offer STARTTLS, which is required")
            }
            try expect(await command("STARTTLS"), stage: "STARTTLS", codes: [220])
            try await startTLS()
            // RFC 3207 §4.2: forget what the server said before TLS and ask again.
            extensions = try await hello()
        }
        if let credentials = settings.credentials {
            try await authenticate(credentials, mechanisms: extensions["AUTH"] ?? [])
        }
        try expect(await command("MAIL FROM:<\(from)>"), stage: "MAIL", codes: [250], final: true)
        for recipient in to {
            let reply = try await command("RCPT TO:<\(recipient)>")
            guard reply.code == 250 || reply.code == 251 else {
                _ = try? await command("RSET")
                await quit()
                throw Self.failure(stage: "RCPT TO:<\(recipient)>", reply: reply, final: true)
            }
        }
        try expect(await command("DATA"), stage: "DATA", codes: [354], final: true)
        try await write(SMTPDataEncoding.encode(message))
        try expect(await reply(within: settings.dataTimeout), stage: "end of data", codes: [250], final: true)
        await quit()
    }

    /// EHLO (RFC 5321 §4.1.1.1); the extensions the server offers.
    private mutating func hello() async throws(TransportError) -> [String: [String]] {
        let reply = try await command("EHLO \(settings.heloName)")
        try expect(reply, stage: "EHLO", codes: [250])
        return reply.extensions
    }

    /// Puts TLS under the connection (RFC 3207 §4) and checks the server's certificate.
    private mutating func startTLS() async throws(TransportError) {
        // Bytes already received after the 220 were sent in the clear and could have been
        // injected by someone on the path; RFC 3207 §4.2 ignores them, the safe choice is to stop.
        guard !parser.hasPendingBytes else {
            throw TransportError(.temporary, "\(settings.host) sent data after its STARTTLS reply")
        }
        guard let tlsContext else { preconditionFailure("STARTTLS without a TLS context") }
        let host = settings.host
        // An IP address is not a valid SNI name (RFC 6066 §3); NIOSSL then checks the
        // certificate's IP address entries against the peer's address.
        let serverName = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
        let channel = channel
        let handshake: EventLoopFuture<Void>
        do {
            handshake = try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName)
                let watcher = TLSHandshakeWatcher(done: channel.eventLoop.makePromise())
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                try channel.pipeline.syncOperations.addHandler(watcher, position: .after(handler))
                return watcher.done.futureResult
            }.get()
        } catch {
            throw TransportError(.temporary, "cannot start TLS with \(host): \(error)")
        }
        // The handshake's outcome, before anything else is written: a certificate that does not
        // verify must be reported as such, not as the write that the closed connection refused.
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(SMTPTransport.nanoseconds(settings.replyTimeout))) {
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await handshake.get()
        } catch {
            throw TransportError(.temporary, "TLS with \(host) failed: \(error)")
        }
        isEncrypted = true
    }

    /// AUTH PLAIN (RFC 4616) when offered, else LOGIN; never in the clear unless allowed.
    private mutating func authenticate(_ credentials: SMTPTransport.Credentials, mechanisms: [String]) async throws(TransportError) {
        guard isEncrypted || settings.allowsAuthenticationWithoutTLS else {
            throw TransportError(.temporary, "refusing to send the SMTP password to \(settings.host) without TLS")
        }
        if mechanisms.contains("PLAIN") {
            // RFC 4616 §2: authzid NUL authcid NUL passwd, authzid left empty.
            let token = Self.base64(Array("\0\(credentials.user)\0\(credentials.password)".utf8))
            try expect(await command("AUTH PLAIN \(token)"), stage: "AUTH PLAIN", codes: [235])
        } else if mechanisms.contains("LOGIN") {
            try expect(await command("AUTH LOGIN"), stage: "AUTH LOGIN", codes: [334])
            try expect(await command(Self.base64(Array(credentials.user.utf8))), stage: "AUTH LOGIN user name", codes: [334])
            try expect(await command(Self.base64(Array(credentials.password.utf8))),
                       stage: "AUTH LOGIN password", codes: [235])
        } else {
            throw TransportError(.temporary, "\(settings.host) offers neither AUTH PLAIN nor LOGIN (offered: \(mechanisms))")
        }
    }

    /// QUIT (RFC 5321 §4.1.1.10); its reply does not matter once the mail is accepted.
    private mutating func quit() async {
        _ = try? await command("QUIT")
    }

    private mutating func command(_ line: String) async throws(TransportError) -> SMTPReply {
        try await write(Array("\(line)\r\n".utf8))
        return try await reply(within: settings.replyTimeout)
    }

    private func write(_ bytes: [UInt8]) async throws(TransportError) {
        do {
            try await outbound.write(ByteBuffer(bytes: bytes))
        } catch {
            throw TransportError(.temporary, "writing to \(settings.host) failed: \(error)")
        }
    }

    /// The next reply; at the deadline the connection is closed, which ends the wait.
    private mutating func reply(within timeout: Duration) async throws(TransportError) -> SMTPReply {
        let timedOut = TimeoutFlag()
        let channel = channel
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(SMTPTransport.nanoseconds(timeout))) {
            timedOut.value.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        while true {
            do throws(SMTPReplyParser.ProtocolError) {
                if let reply = try parser.next() { return reply }
            } catch {
                throw TransportError(.temporary, "\(settings.host): \(error)")
            }
            let bytes: ByteBuffer?
            do {
                bytes = try await inbound.next()
            } catch {
                throw TransportError(.temporary, "connection to \(settings.host) failed: \(error)")
            }
            guard let bytes else {
                if timedOut.value.withLockedValue({ $0 }) {
                    throw TransportError(.temporary, "no reply from \(settings.host) within \(timeout)")
                }
                throw TransportError(.temporary, "\(settings.host) closed the connection")
            }
            parser.append(bytes.readableBytesView)
        }
    }

    private func expect(_ reply: SMTPReply, stage: String, codes: Set<Int>, final: Bool = false) throws(TransportError) {
        guard !codes.contains(reply.code) else { return }
        throw Self.failure(stage: stage, reply: reply, final: final)
    }

    private static func failure(stage: String, reply: SMTPReply, final: Bool) -> TransportError {
        let kind: TransportError.Kind = final && reply.isPermanentFailure ? .permanent : .temporary
        return TransportError(kind, "\(stage): \(reply)")
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}

/// Completes `done` when the TLS handshake of the handler before it ends: with success, or with
/// the error that ended it (a certificate that does not verify), or when the connection closes.
private final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let done: EventLoopPromise<Void>
    private var isDone = false

    init(done: EventLoopPromise<Void>) {
        self.done = done
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { finish(nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(ChannelError.eof)
        context.fireChannelInactive()
    }

    private func finish(_ error: (any Error)?) {
        guard !isDone else { return }
        isDone = true
        if let error { done.fail(error) } else { done.succeed(()) }
    }
}

/// Set when a reply's deadline closed the connection, so that the end of input reads as a
/// timeout rather than the server hanging up.
private final class TimeoutFlag: Sendable {
    let value = NIOLockedValueBox(false)
}
