import Foundation
import Testing
import TestSupport

/// How the MTA reaches dmarcd; every flow runs over both.
enum MilterTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case tcp
    case unix

    var testDescription: String { rawValue }
}

/// A way signed mail goes through Postfix: the transport to dmarcd and the `Canonicalization`
/// that daemon signs with. relaxed/relaxed, the default, is the checking daemons' own over both
/// transports; the other three have a signing daemon each, over TCP, since the transport does
/// not change what is signed.
struct SigningRoute: Sendable, CustomTestStringConvertible {
    let transport: MilterTransport
    /// `header/body`, as in a signature's `c=`.
    let canonicalization: String

    static let all = MilterTransport.allCases.map { SigningRoute(transport: $0, canonicalization: "relaxed/relaxed") }
        + signingDaemons

    /// The routes to the signing daemons.
    static let signingDaemons = CheckingMilters.otherCanonicalizations.map { SigningRoute(transport: .tcp, canonicalization: $0) }

    var testDescription: String { "\(canonicalization) over \(transport)" }
}

/// One running dmarcd and how each client names its socket.
struct MilterEndpoint: Sendable {
    let daemon: DaemonUnderTest
    /// Postfix's notation: `inet:127.0.0.1:PORT` or `unix:PATH`.
    let postfixAddress: String
    /// libmilter's notation, which miltertest uses: `inet:PORT@127.0.0.1` or `unix:PATH`.
    let miltertestAddress: String
    /// The daemon's status page: `http://127.0.0.1:PORT`.
    let statusPage: String
}

/// The world the end-to-end tests send mail into: a real nsd serving the senders' DKIM keys,
/// SPF and DMARC records, and dmarcd daemons configured as a site would run them, over TCP
/// and a UNIX socket.
///
/// A second nsd serves the same data to a second pair of daemons; the DNS outage test stops it,
/// so that the first pair keeps answering for the other tests.
final class CheckingMilters: Sendable {
    static let authservID = "mx.e2e.example"
    static let recipient = "postmaster@e2e.example"
    /// Our `rua` mailbox: the daemons store the reports mailed there (`ReportMailbox`).
    static let reportMailbox = "dmarc-reports@e2e.example"
    /// The client address of checked mail; SPF authorizes all of 127.0.0.0/8 for aligned.example.
    static let checkedClient = "127.0.0.2"
    /// The only address in dmarcd's IgnoreHosts file.
    static let ignoredClient = "127.0.0.3"
    /// The only address in dmarcd's InternalHosts file: its mail is signed, not checked.
    static let internalClient = "127.0.0.4"
    /// The domain dmarcd signs for twice (RFC 8463 §4 dual signing): with ``key`` as selector
    /// `sel` and with ``ed25519Key`` as selector `ed`.
    static let signingDomain = "signing.example"
    /// The canonicalizations besides the default relaxed/relaxed; a daemon signs with each.
    static let otherCanonicalizations = ["simple/simple", "relaxed/simple", "simple/relaxed"]

    /// Passes DMARC through an aligned DKIM signature (and SPF); would be rejected otherwise.
    static let alignedDomain = "aligned.example"
    /// Publishes p=reject and authorizes no client.
    static let rejectingDomain = "rejecting.example"
    /// Publishes p=quarantine and authorizes no client.
    static let quarantiningDomain = "quarantining.example"
    /// A mailing list whose ARC seal dmarcd trusts (`TrustedARCSealers`).
    static let trustedList = "lists.example"
    /// A forwarder that seals with ARC too, but is not trusted.
    static let untrustedForwarder = "forwarder.example"

    let directory: URL
    let signer: DKIMTestSigner
    let key: DKIMTestSigner.Key
    let ed25519Key: DKIMTestSigner.Key
    let dns: DNSTestServer
    let outageDNS: DNSTestServer
    private let checking: [MilterTransport: MilterEndpoint]
    private let outage: [MilterTransport: MilterEndpoint]
    /// The signing daemons, by canonicalization.
    private let signing: [String: MilterEndpoint]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            signer = try DKIMTestSigner()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        do {
            key = try signer.rsaKey(bits: 2048)
            ed25519Key = try signer.ed25519Key()
            // One top-level zone holds every name, so the DMARC Tree Walk (RFC 9989 §4.10) ends
            // at an authoritative answer instead of at a server that knows nothing of the parent.
            let zone = DNSTestServer.Zone("example", records: """
                sel._domainkey.aligned TXT \(Self.characterStrings(key.record()))
                aligned             TXT "v=spf1 ip4:127.0.0.0/8 -all"
                _dmarc.aligned      TXT "v=DMARC1; p=reject; rua=mailto:dmarc@aligned.example"
                rejecting           TXT "v=spf1 -all"
                _dmarc.rejecting    TXT "v=DMARC1; p=reject"
                quarantining        TXT "v=spf1 -all"
                _dmarc.quarantining TXT "v=DMARC1; p=quarantine"
                arc._domainkey.lists TXT \(Self.characterStrings(key.record()))
                arc._domainkey.forwarder TXT \(Self.characterStrings(key.record()))
                sel._domainkey.signing TXT \(Self.characterStrings(key.record()))
                ed._domainkey.signing TXT \(Self.characterStrings(ed25519Key.record()))
                """)
            dns = try DNSTestServer(zones: [zone])
            outageDNS = try DNSTestServer(zones: [zone])
            let ignoreHosts = directory.appendingPathComponent("ignore.hosts")
            try "# mail from this client is not checked\n\(Self.ignoredClient)\n"
                .write(to: ignoreHosts, atomically: true, encoding: .utf8)
            let internalHosts = directory.appendingPathComponent("internal.hosts")
            try "# mail from this client is signed\n\(Self.internalClient)\n"
                .write(to: internalHosts, atomically: true, encoding: .utf8)
            let signingLines = ["InternalHosts \(internalHosts.path)",
                                "Sign \(Self.signingDomain) sel \(key.pemFile.path)",
                                "Sign \(Self.signingDomain) ed \(ed25519Key.pemFile.path)"]

            var checking: [MilterTransport: MilterEndpoint] = [:]
            var outage: [MilterTransport: MilterEndpoint] = [:]
            for transport in MilterTransport.allCases {
                checking[transport] = try Self.start(transport, name: "checking", in: directory, dns: dns,
                                                     dnsTimeout: 2, ignoreHosts: ignoreHosts, extra: signingLines)
                // Each message without DNS waits out the timeout a few times over (SPF, then the
                // DKIM key and the DMARC record): keep it at the minimum.
                outage[transport] = try Self.start(transport, name: "outage", in: directory, dns: outageDNS,
                                                   dnsTimeout: 1, ignoreHosts: ignoreHosts)
            }
            self.checking = checking
            self.outage = outage
            var signing: [String: MilterEndpoint] = [:]
            for canonicalization in Self.otherCanonicalizations {
                signing[canonicalization] = try Self.start(
                    .tcp, name: "signing", in: directory, dns: dns, dnsTimeout: 2, ignoreHosts: ignoreHosts,
                    extra: signingLines + ["Canonicalization \(canonicalization)"])
            }
            self.signing = signing
        } catch {
            // Servers already started stop when released; the files are removed here.
            signer.removeKeys()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit {
        stop()
    }

    /// The daemon whose DNS keeps answering.
    func milter(_ transport: MilterTransport) -> MilterEndpoint { checking[transport]! }

    /// The daemon whose DNS server the outage test stops.
    func outageMilter(_ transport: MilterTransport) -> MilterEndpoint { outage[transport]! }

    /// The daemon that signs the mail of `route`.
    func signingMilter(_ route: SigningRoute) -> MilterEndpoint {
        signing[route.canonicalization] ?? milter(route.transport)
    }

    /// The key records of ``signingDomain``, by name.
    var signingRecords: [String: String] {
        ["sel._domainkey.\(Self.signingDomain)": key.record(), "ed._domainkey.\(Self.signingDomain)": ed25519Key.record()]
    }

    func stop() {
        for endpoint in Array(checking.values) + Array(outage.values) + Array(signing.values) {
            endpoint.daemon.stop()
        }
        dns.stop()
        outageDNS.stop()
        signer.removeKeys()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A message (CRLF line ends) from `sender@domain` to ``recipient`` whose Subject is
    /// `subject`, so a test can find its delivered copy; DKIM-signed by `domain` with ``key``
    /// when `signed`. `extraFields` go on top, as fields added by earlier hops would be.
    func message(from domain: String, subject: String, signed: Bool, extraFields: [String] = []) throws -> [UInt8] {
        let text = (extraFields + [
            "From: Sender <sender@\(domain)>",
            "To: \(Self.recipient)",
            "Subject: \(subject)",
            "Date: Sun, 29 Nov 2026 10:00:00 +0000",
            "Message-ID: <\(UUID().uuidString)@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "A message for dmarcd's end-to-end tests.",
            "",
        ]).joined(separator: "\r\n")
        let message = Array(text.utf8)
        return signed ? try signer.sign(message, key: key, domain: domain) : message
    }

    /// `message` as a mailing list or forwarder at `sealer` passes it on: its own
    /// Authentication-Results saying the author's DKIM and DMARC passed there, a footer that
    /// breaks the author's signature, and an ARC set sealed by `sealer` (RFC 8617 §5.1).
    func forwarded(_ message: [UInt8], from domain: String, by sealer: String) throws -> [UInt8] {
        let results = "Authentication-Results: \(sealer); dkim=pass header.d=\(domain) header.s=sel; "
            + "dmarc=pass header.from=\(domain)\r\n"
        let changed = Array(results.utf8) + message + Array("-- \r\nsent through \(sealer)\r\n".utf8)
        return try signer.arcSeal(changed, key: key, domain: sealer, authservID: sealer)
    }

    /// A Subject no other test uses.
    static func uniqueSubject(_ flow: String, _ transport: MilterTransport) -> String {
        "e2e \(flow) over \(transport) \(UUID().uuidString)"
    }

    /// Log excerpts of both daemons of `transport`, for a failing test's message.
    func logs(_ transport: MilterTransport) -> String {
        milter(transport).daemon.logTail() + "\n" + outageMilter(transport).daemon.logTail(10)
    }

    /// Splits a TXT value into quoted character-strings of at most 255 octets (RFC 1035 §3.3).
    private static func characterStrings(_ value: String) -> String {
        var parts: [String] = []
        var rest = Substring(value)
        while !rest.isEmpty {
            parts.append("\"\(rest.prefix(200))\"")
            rest = rest.dropFirst(200)
        }
        return parts.joined(separator: " ")
    }

    private static func start(_ transport: MilterTransport, name: String, in directory: URL, dns: DNSTestServer,
                              dnsTimeout: Int, ignoreHosts: URL, extra: [String] = []) throws -> MilterEndpoint {
        let socket: String
        let postfixAddress: String
        let miltertestAddress: String
        switch transport {
        case .tcp:
            let port = try FreePort.udpAndTCP()
            socket = "inet:\(port)@127.0.0.1"
            postfixAddress = "inet:127.0.0.1:\(port)"
            miltertestAddress = socket
        case .unix:
            let path = directory.appendingPathComponent("\(name).sock").path
            socket = "local:\(path)"
            postfixAddress = "unix:\(path)"
            miltertestAddress = "unix:\(path)"
        }
        let httpPort = try FreePort.udpAndTCP()
        let daemon = try DaemonUnderTest(
            configuration: [
                "Socket \(socket)",
                "HTTPListen 127.0.0.1:\(httpPort)",
                "AuthservID \(authservID)",
                "Nameservers \(dns.forwarder)",
                "DNSTimeout \(dnsTimeout)",
                "IgnoreHosts \(ignoreHosts.path)",
                "RejectFailures true",
                "HoldQuarantinedMessages true",
                "TrustedARCSealers \(trustedList)",
                "ReportMailbox \(reportMailbox)",
            ] + extra,
            // Postfix's smtpd runs as user postfix and needs write access to the socket.
            umask: transport == .unix ? 0 : nil)
        return MilterEndpoint(daemon: daemon, postfixAddress: postfixAddress, miltertestAddress: miltertestAddress,
                              statusPage: "http://127.0.0.1:\(httpPort)")
    }
}

/// The header fields of a delivered or queued message, unfolded (RFC 5322 §2.2.3).
struct HeaderFields {
    let fields: [(name: String, value: String)]

    init(message text: String) {
        var fields: [(name: String, value: String)] = []
        let header = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").first ?? ""
        for line in header.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        self.fields = fields
    }

    /// The values of every Authentication-Results field.
    var authenticationResults: [String] {
        fields.filter { $0.name.lowercased() == "authentication-results" }.map(\.value)
    }

    /// The values of Authentication-Results fields whose authserv-id (RFC 8601 §2.2) is `id`.
    func authenticationResults(by id: String) -> [String] {
        authenticationResults.filter { value in
            // The authserv-id may be followed by a version number before the ";".
            value.prefix { $0 != ";" }.split(separator: " ").first?.lowercased() == id.lowercased()
        }
    }
}
