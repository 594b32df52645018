import Auth
import DNS
import Foundation
import Logging
import Milter
import Testing

/// Which mail the filter signs rather than checks, and what it answers then, driven through the
/// filter's message state without a socket.
struct OutgoingMessageSignerTests {
    /// Header fields as Postfix sends them with SMFIP_HDR_LEADSPC: leading space kept, folds as LF.
    static let fields: [(name: String, value: String)] = [
        ("From", " Alice <alice@example.com>"),
        ("To", " bob@example.org"),
        ("Subject", " Outgoing\n\tand folded"),
        ("Date", " Sun, 29 Nov 2026 04:46:56 +0000"),
    ]
    static let body = Array("Hello  Bob,\r\nsee you.\r\n\r\n".utf8)

    static let key = Result { try DKIMPrivateKey.generate(ed25519: true) }

    static func settings(keys: [DKIMSigningKeys.Key]) -> MilterFilterSettings {
        var settings = MilterFilterSettings(authenticator: .init(authservID: "mx.example.test"))
        settings.signingKeys = DKIMSigningKeys(rules: [.init(pattern: .domain("example.com"), keys: keys)])
        settings.ignoredNetworks = []
        return settings
    }

    static func usableKey() throws -> DKIMSigningKeys.Key {
        DKIMSigningKeys.Key(domain: "example.com", selector: "sel", path: "/test/key.pem", key: .success(try key.get()))
    }

    /// Feeds the message from `client` with the MAIL macros `macros` and returns the replies.
    static func run(settings: MilterFilterSettings, client: MilterClientAddress, hostname: String = "client.example",
                    macros: [String: String] = [:]) async throws -> [MilterReply]? {
        var logger = Logger(label: "signing-test")
        logger.logLevel = .error
        let filter = DMARCMilterFilter(resolver: StaticResolver(), settings: settings, logger: logger)
        let connection = MilterConnection(hostname: hostname, address: client, headerLeadingSpace: true)
        guard filter.checksConnection(connection),
            var message = filter.startMessage(connection: connection,
                                              envelope: MilterEnvelope(sender: "<alice@example.com>", macros: macros),
                                              executor: nil)
        else { return nil }
        message.recipient("<bob@example.org>")
        for field in fields { message.header(name: field.name, value: Array(field.value.utf8)) }
        message.endOfHeaders()
        message.body(body)
        return await message.finish(macros: ["i": "4SIGN"])
    }

    /// The DKIM-Signature field among `replies`, put on top of the message as the MTA would,
    /// checked by dmarcd's verifier.
    static func verify(_ replies: [MilterReply]) async throws -> [DKIMResult] {
        var records = StaticResolver()
        let text = Array(try key.get().keyRecord.utf8)
        records.add(.txt(TXTRecord(strings: stride(from: 0, to: text.count, by: 255).map {
            Array(text[$0..<min($0 + 255, text.count)])
        })), at: "sel._domainkey.example.com")
        var checker = DKIMVerifier(resolver: records)
        for reply in replies {
            if case .insertHeader(0, "DKIM-Signature", let value) = reply {
                checker.header(HeaderField(milterName: "DKIM-Signature", value: Array(value.utf8), leadingSpaceStripped: false))
            }
        }
        for field in fields {
            checker.header(HeaderField(milterName: field.name, value: Array(field.value.utf8), leadingSpaceStripped: false))
        }
        checker.endOfHeaders()
        checker.body(body)
        return await checker.finish()
    }

    @Test(arguments: [
        (MilterClientAddress.ipv4("127.0.0.1", port: 40000), [String: String]()),
        (.ipv4("192.0.2.9", port: 40000), ["{auth_authen}": "alice"]),
        (.unknown, [:]),
    ])
    func mailFromOurUsersIsSignedAndNotChecked(client: MilterClientAddress, macros: [String: String]) async throws {
        var settings = Self.settings(keys: [try Self.usableKey()])
        settings.internalNetworks = MilterFilterSettings.loopback
        let replies = try #require(try await Self.run(settings: settings, client: client, macros: macros))
        #expect(replies.last == .continue)
        #expect(!replies.contains { if case .insertHeader(_, "Authentication-Results", _) = $0 { true } else { false } })
        #expect(try await Self.verify(replies).map(\.status) == [.pass])
    }

    /// Postfix 3.7's cleanup(8) connects for mail from `non_smtpd_milters` (sendmail, pickup)
    /// with client `localhost`, family 4, port 0, address 127.0.0.1 (::1 with IPv6 first in
    /// `inet_protocols`), as a milter in front of a real pickup saw it. An SMTP client at
    /// 127.0.0.1 has a port.
    @Test(arguments: [
        (MilterClientAddress.ipv4("127.0.0.1", port: 0), true),
        (.ipv6("::1", port: 0), true),
        (.ipv4("127.0.0.1", port: 40000), false),
    ])
    func localSubmissionIsSignedWhateverInternalHostsSays(client: MilterClientAddress, signed: Bool) async throws {
        var settings = Self.settings(keys: [try Self.usableKey()])
        settings.internalNetworks = [MilterFilterSettings.Network(IPAddress("192.0.2.1")!)]
        let replies = try #require(try await Self.run(settings: settings, client: client, hostname: "localhost"))
        let isSigned = replies.contains { if case .insertHeader(_, "DKIM-Signature", _) = $0 { true } else { false } }
        let isChecked = replies.contains { if case .insertHeader(_, "Authentication-Results", _) = $0 { true } else { false } }
        #expect(isSigned == signed && isChecked == !signed, "\(replies)")
    }

    @Test func mailFromOtherClientsIsCheckedAsBefore() async throws {
        let replies = try #require(try await Self.run(settings: Self.settings(keys: [try Self.usableKey()]),
                                                      client: .ipv4("198.51.100.7", port: 25)))
        #expect(replies.contains { if case .insertHeader(0, "Authentication-Results", _) = $0 { true } else { false } })
        #expect(!replies.contains { if case .insertHeader(_, "DKIM-Signature", _) = $0 { true } else { false } })
    }

    @Test func anUnusableKeyLetsTheMailGoUnsigned() async throws {
        let broken = DKIMSigningKeys.Key(domain: "example.com", selector: "sel", path: "/missing.pem",
                                         key: .failure(.init(reason: "cannot read /missing.pem")))
        let replies = try await Self.run(settings: Self.settings(keys: [broken]), client: .ipv4("127.0.0.1", port: 1))
        #expect(replies == [MilterReply.continue])
    }

    @Test func withoutKeysLoopbackMailIsStillPassedUnchecked() async throws {
        var settings = Self.settings(keys: [])
        settings.signingKeys = DKIMSigningKeys()
        settings.ignoredNetworks = MilterFilterSettings.loopback
        #expect(try await Self.run(settings: settings, client: .ipv4("127.0.0.1", port: 1)) == nil)
    }
}
