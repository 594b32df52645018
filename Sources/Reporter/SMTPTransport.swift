import NIOCore
import NIOPosix
import NIOSSL

/// Submits reports to an SMTP smarthost (RFC 5321), with STARTTLS (RFC 3207) and, once the
/// connection is encrypted, AUTH PLAIN (RFC 4616) or LOGIN.
///
/// One message per connection: reports go out a few times a day, so a kept-open connection
/// would save nothing worth its failure modes. All recipients of one call are accepted or none:
/// a refused RCPT cancels the transaction, so the scheduler should call once per destination to
/// tell destinations apart.
public struct SMTPTransport: ReportTransport {
    /// Whether the connection is encrypted.
    public enum Security: Sendable, Hashable {
        /// Plain SMTP; only for a smarthost on the same host or a trusted network.
        case none
        /// STARTTLS is required: a server that does not offer it gets no report (RFC 9990 §3.5
        /// asks for TLS where the URI does not say otherwise).
        case startTLS
    }

    /// A user name and password for SMTP AUTH.
    public struct Credentials: Sendable, Hashable {
        public var user: String
        public var password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }

    /// Where and how to connect.
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var security: Security
        /// PEM file of the certificate authorities to trust instead of the system's.
        public var caFile: String?
        /// Checks the server's certificate chain and name; turning it off makes STARTTLS protect
        /// against passive listeners only.
        public var verifiesCertificate: Bool
        public var credentials: Credentials?
        /// Sends credentials over an unencrypted connection; without it AUTH needs TLS first.
        public var allowsAuthenticationWithoutTLS: Bool
        /// The name in EHLO (RFC 5321 §4.1.1.1: the client's primary host name).
        public var heloName: String
        public var connectTimeout: Duration
        /// The wait for each reply; RFC 5321 §4.5.3.2 recommends at least 5 minutes.
        public var replyTimeout: Duration
        /// The wait for the reply to the final `.`; RFC 5321 §4.5.3.2.6 recommends 10 minutes.
        public var dataTimeout: Duration

        public init(host: String, port: Int = 25, security: Security = .startTLS, caFile: String? = nil,
                    verifiesCertificate: Bool = true, credentials: Credentials? = nil,
                    allowsAuthenticationWithoutTLS: Bool = false, heloName: String,
                    connectTimeout: Duration = .seconds(30), replyTimeout: Duration = .seconds(300),
                    dataTimeout: Duration = .seconds(600)) {
            self.host = host
            self.port = port
            self.security = security
            self.caFile = caFile
            self.verifiesCertificate = verifiesCertificate
            self.credentials = credentials
            self.allowsAuthenticationWithoutTLS = allowsAuthenticationWithoutTLS
            self.heloName = heloName
            self.connectTimeout = connectTimeout
            self.replyTimeout = replyTimeout
            self.dataTimeout = dataTimeout
        }
    }

    public let settings: Settings
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?

    /// A transport to the smarthost of `settings`; throws when the TLS settings cannot be used
    /// (an unreadable CA file).
    public init(settings: Settings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.settings = settings
        self.group = group
        if settings.security == .startTLS {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = settings.caFile { tls.trustRoots = .file(caFile) }
            if !settings.verifiesCertificate { tls.certificateVerification = .none }
            tlsContext = try NIOSSLContext(configuration: tls)
        } else {
            tlsContext = nil
        }
    }

    public func send(_ message: [UInt8], from: String, to: [String]) async throws(TransportError) {
        for address in [from] + to where address.utf8.contains(where: { $0 < 0x21 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) {
            throw TransportError(.permanent, "\"\(address)\" cannot stand in an SMTP command")
        }
        guard !to.isEmpty else { throw TransportError(.permanent, "no recipients") }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connectTimeout(TimeAmount.nanoseconds(Self.nanoseconds(settings.connectTimeout)))
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw TransportError(.temporary, "cannot connect to \(settings.host):\(settings.port): \(error)")
        }
        let result: Result<Void, TransportError>
        do {
            // The wrapped channel is always run to its end here: one left unused stops the
            // process when released (swift-nio issue 2813).
            result = try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(channel: channel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound,
                                          settings: settings, tlsContext: tlsContext)
                do throws(TransportError) {
                    try await session.deliver(message, from: from, to: to)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw TransportError(.temporary, "connection to \(settings.host):\(settings.port) failed: \(error)")
        }
        try result.get()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
