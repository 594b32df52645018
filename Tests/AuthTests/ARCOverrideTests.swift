import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// A mailing list breaks the author's DKIM signature and seals what it saw with ARC; a receiver
/// that trusts the list's sealer lets the mail through (RFC 8617 §7.2), one that does not applies
/// the author's p=reject. Messages are signed and sealed at test time by dkimpy.
@Suite(.serialized)
struct ARCOverrideTests {
    let signer: DKIMTestSigner
    let authorKey: DKIMTestSigner.Key
    let listKey: DKIMTestSigner.Key

    static let listEnvelope = MessageAuthenticator.Envelope(
        clientIP: IPAddress("198.51.100.7"), helo: "mail.lists.example.org", mailFrom: "<list-bounces@lists.example.org>")

    init() throws {
        signer = try DKIMTestSigner()
        authorKey = try signer.rsaKey(bits: 2048)
        listKey = try signer.rsaKey(bits: 2048)
    }

    var resolver: StaticResolver {
        var resolver = StaticResolver()
        resolver.add(.txt(TXTRecord(strings: Self.chunks(authorKey.record()))), at: "sel._domainkey.example.com")
        resolver.add(.txt(TXTRecord(strings: Self.chunks(listKey.record()))), at: "arc._domainkey.lists.example.org")
        resolver.add(.txt(TXTRecord("v=DMARC1; p=reject")), at: "_dmarc.example.com")
        resolver.add(.txt(TXTRecord("v=spf1 ip4:198.51.100.0/24 -all")), at: "lists.example.org")
        return resolver
    }

    static func chunks(_ text: String) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) }
    }

    /// The author's signed message as the list passes it on: the list's own
    /// Authentication-Results saying `dmarcAtList`, a tag in the Subject and a footer in the body
    /// (which break the author's signature), then the list's ARC set.
    func listCopy(dmarcAtList: String = "pass") throws -> [UInt8] {
        let original = LineEndings.crlf(Array("""
            From: Alice <alice@example.com>
            To: list@lists.example.org
            Subject: meeting notes
            Date: Sun, 29 Nov 2026 08:00:00 +0000
            Message-ID: <notes-1@example.com>

            The notes are below.

            """.utf8))
        let signed = try signer.sign(original, key: authorKey, signedFields: ["From", "To", "Subject", "Date", "Message-ID"])
        let results = "Authentication-Results: lists.example.org; dkim=pass header.d=example.com header.s=sel; "
            + "spf=pass smtp.mailfrom=example.com; dmarc=\(dmarcAtList) header.from=example.com\r\n"
        let changed = String(decoding: signed, as: UTF8.self)
            .replacingOccurrences(of: "Subject: meeting notes", with: "Subject: [list] meeting notes")
            + "-- \r\nlist@lists.example.org\r\n"
        return try signer.arcSeal(Array((results + changed).utf8), key: listKey, domain: "lists.example.org",
                                  authservID: "lists.example.org")
    }

    func verdict(_ message: [UInt8], trusting sealers: Set<String>) async throws -> MessageVerdict {
        let (fields, bodyOffset) = try MessageHeaderParser.parse(message)
        let settings = MessageAuthenticator.Settings(authservID: "mx.example.test", trustedARCSealers: sealers)
        var check = MessageAuthenticator(resolver: resolver, settings: settings, envelope: Self.listEnvelope)
        for field in fields { check.header(field) }
        check.endOfHeaders()
        check.body(message[bodyOffset...])
        return await check.finish()
    }

    @Test func trustedSealerWhoSawDMARCPassLiftsTheRejectAndSaysSo() async throws {
        let verdict = try await verdict(try listCopy(), trusting: ["lists.example.org"])
        #expect(verdict.dkim.map(\.status) == [.fail])
        #expect(verdict.arc.status == .pass, "\(verdict.arc)")
        #expect(verdict.dmarc.result == .fail)
        #expect(verdict.dmarc.disposition == .none)
        #expect(verdict.trustedARCSealer == "lists.example.org")
        let field = verdict.authenticationResults.render()
        #expect(field.contains("arc=pass (i=1 sealers=lists.example.org) header.oldest-pass=0"), "\(field)")
        #expect(field.hasSuffix("dmarc=fail (p=reject dis=none; arc override: lists.example.org saw dmarc=pass) header.from=example.com"),
                "\(field)")
    }

    @Test func untrustedSealerChangesNothing() async throws {
        let verdict = try await verdict(try listCopy(), trusting: ["forwarder.example.net"])
        #expect(verdict.arc.status == .pass)
        #expect(verdict.dmarc.disposition == .reject)
        #expect(verdict.trustedARCSealer == nil)
    }

    @Test func trustedSealerThatSawDMARCFailVouchesForNothing() async throws {
        let verdict = try await verdict(try listCopy(dmarcAtList: "fail"), trusting: ["lists.example.org"])
        #expect(verdict.arc.status == .pass)
        #expect(verdict.dmarc.disposition == .reject)
    }

    @Test func chainBrokenAfterSealingVouchesForNothing() async throws {
        // A later hop changes the body without sealing: the list's ARC-Message-Signature fails.
        let tampered = try listCopy() + Array("tampered\r\n".utf8)
        let verdict = try await verdict(tampered, trusting: ["lists.example.org"])
        #expect(verdict.arc.status == .fail)
        #expect(verdict.dmarc.disposition == .reject)
        #expect(verdict.authenticationResults.render().contains("arc=fail"))
    }
}
