import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// The three checks together on a real message: a mail from John Klensin through the IETF list
/// (../shared/corpus/stalwart-mail-auth/resources/dkim/003.txt), signed twice by d=ietf.org,
/// From: john-ietf@jck.com.
struct MessageAuthenticatorTests {
    static let corpusFile = Fixtures.corpus("stalwart-mail-auth/resources/dkim/003.txt")

    /// The message in CRLF form and the key record the corpus file carries.
    static func corpusMessage() throws -> (message: [UInt8], keyName: String, keyRecord: String) {
        let text = try Fixtures.text(corpusFile)
        let split = try #require(text.range(of: "\n\n"))
        let dnsLine = text[..<split.lowerBound]
        let space = try #require(dnsLine.firstIndex(of: " "))
        return (LineEndings.crlf(Array(text[split.upperBound...].utf8)),
                String(dnsLine[..<space]), String(dnsLine[dnsLine.index(after: space)...]))
    }

    static func zone(dmarcForJck: String?) throws -> StaticResolver {
        let (_, keyName, keyRecord) = try corpusMessage()
        var resolver = StaticResolver()
        resolver.add(.txt(TXTRecord(strings: stride(from: 0, to: keyRecord.utf8.count, by: 255).map {
            Array(Array(keyRecord.utf8)[$0..<min($0 + 255, keyRecord.utf8.count)])
        })), at: keyName)
        resolver.add(.txt(TXTRecord("v=spf1 ip4:192.0.2.0/24 -all")), at: "ietf.org")
        resolver.add(.txt(TXTRecord("v=DMARC1; p=none")), at: "_dmarc.ietf.org")
        resolver.add(.a(IPAddress("192.0.2.80")!), at: "jck.com")
        if let dmarcForJck { resolver.add(.txt(TXTRecord(dmarcForJck)), at: "_dmarc.jck.com") }
        return resolver
    }

    static let settings = MessageAuthenticator.Settings(authservID: "mx.example.test")
    static let listEnvelope = MessageAuthenticator.Envelope(
        clientIP: IPAddress("192.0.2.7"), helo: "mail.ietf.org", mailFrom: "<ietf-bounces@ietf.org>")

    static func verdict(
        _ message: [UInt8], resolver: StaticResolver, envelope: MessageAuthenticator.Envelope = listEnvelope,
        settings: MessageAuthenticator.Settings = settings, chunkSize: Int = 65535
    ) async throws -> MessageVerdict {
        let (fields, bodyOffset) = try MessageHeaderParser.parse(message)
        var check = MessageAuthenticator(resolver: resolver, settings: settings, envelope: envelope)
        for field in fields { check.header(field) }
        check.endOfHeaders()
        var offset = bodyOffset
        while offset < message.count {
            check.body(message[offset..<min(offset + chunkSize, message.count)])
            offset += chunkSize
        }
        return await check.finish()
    }

    @Test func listMailWithoutAlignedIdentifierFailsTheAuthorsRejectPolicy() async throws {
        let verdict = try await Self.verdict(try Self.corpusMessage().message,
                                             resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"))
        #expect(verdict.spf?.result == .pass)
        #expect(verdict.dkim.map(\.status) == [.pass, .pass])
        #expect(verdict.dmarc.result == .fail)
        #expect(verdict.dmarc.disposition == .reject)
        let field = verdict.authenticationResults.render()
        #expect(field.hasPrefix("mx.example.test; spf=pass"))
        #expect(field.hasSuffix("dmarc=fail (p=reject dis=reject) header.from=jck.com"))
    }

    @Test func authorWithoutPolicyGetsDMARCNone() async throws {
        let verdict = try await Self.verdict(try Self.corpusMessage().message, resolver: try Self.zone(dmarcForJck: nil))
        #expect(verdict.dmarc.result == .none)
        #expect(verdict.dmarc.disposition == .none)
        #expect(verdict.authenticationResults.render().hasSuffix("dmarc=none header.from=jck.com"))
    }

    @Test func bodyFedOneByteAtATimeGivesTheSameVerdict() async throws {
        let message = try Self.corpusMessage().message
        let resolver = try Self.zone(dmarcForJck: "v=DMARC1; p=quarantine")
        let whole = try await Self.verdict(message, resolver: resolver)
        let dripped = try await Self.verdict(message, resolver: resolver, chunkSize: 1)
        #expect(whole == dripped)
    }

    @Test func fieldsClaimingOurAuthservIDAreFoundByPosition() async throws {
        let original = try Self.corpusMessage().message
        let forged = Array("Authentication-Results: other.example; spf=pass\r\n".utf8)
            + Array("Authentication-Results: mx.example.test; dmarc=pass header.from=jck.com\r\n".utf8)
            + Array("Authentication-Results: example.net(.mx.example.test; dmarc=pass\r\n".utf8)
            + original
        let verdict = try await Self.verdict(forged, resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"))
        #expect(verdict.forgedAuthenticationResults == [2, 3])
        #expect(verdict.dmarc.result == .fail)
    }

    @Test func bounceIsCheckedWithTheHELODomain() async throws {
        let envelope = MessageAuthenticator.Envelope(clientIP: IPAddress("192.0.2.7"), helo: "ietf.org", mailFrom: "<>")
        let verdict = try await Self.verdict(try Self.corpusMessage().message,
                                             resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"), envelope: envelope)
        #expect(verdict.spf?.result == .pass)
        #expect(verdict.spf?.domain == "ietf.org")
        #expect(verdict.dmarc.spf?.domain == "ietf.org")
    }

    @Test func unknownClientAddressSkipsSPF() async throws {
        let envelope = MessageAuthenticator.Envelope(clientIP: nil, helo: "localhost", mailFrom: "<a@jck.com>")
        let verdict = try await Self.verdict(try Self.corpusMessage().message,
                                             resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"), envelope: envelope)
        #expect(verdict.spf == nil)
        #expect(!verdict.authenticationResults.render().contains("spf="))
        #expect(verdict.explanation.hasPrefix("SPF not checked"))
    }

    @Test func trustedUpstreamSPFResultIsUsedWhenSPFIsNotCheckedHere() async throws {
        let upstream = Array("Authentication-Results: gw.example.test; spf=pass smtp.mailfrom=bounce@jck.com\r\n".utf8)
            + Array("Authentication-Results: stranger.example; spf=fail smtp.mailfrom=jck.com\r\n".utf8)
        var settings = Self.settings
        settings.checksSPF = false
        settings.trustedAuthservIDs = ["GW.example.test"]
        let verdict = try await Self.verdict(upstream + (try Self.corpusMessage().message),
                                             resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"), settings: settings)
        #expect(verdict.spf == nil)
        #expect(verdict.dmarc.spf?.domain == "jck.com")
        #expect(verdict.dmarc.result == .pass)
    }

    @Test func untrustedUpstreamSPFResultIsIgnored() async throws {
        let upstream = Array("Authentication-Results: stranger.example; spf=pass smtp.mailfrom=jck.com\r\n".utf8)
        var settings = Self.settings
        settings.checksSPF = false
        settings.trustedAuthservIDs = ["gw.example.test"]
        let verdict = try await Self.verdict(upstream + (try Self.corpusMessage().message),
                                             resolver: try Self.zone(dmarcForJck: "v=DMARC1; p=reject"), settings: settings)
        #expect(verdict.dmarc.spf == nil)
        #expect(verdict.dmarc.result == .fail)
    }

    @Test func cancelledCheckEndsWithoutWaitingForDNS() async throws {
        var resolver = try Self.zone(dmarcForJck: "v=DMARC1; p=reject")
        resolver.fail("ietf.org", with: .timeout)
        var settings = Self.settings
        settings.spfLimits.deadline = .seconds(30)
        let check = MessageAuthenticator(resolver: SlowResolver(base: resolver), settings: settings, envelope: Self.listEnvelope)
        let started = ContinuousClock.now
        check.cancel()
        var finished = check
        let verdict = await finished.finish()
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(verdict.spf?.result == .temperror)
    }

    @Test func dnsFailureForThePolicyIsTemperrorAndAsksForNothing() async throws {
        var resolver = try Self.zone(dmarcForJck: "v=DMARC1; p=reject")
        resolver.fail("_dmarc.jck.com", with: .timeout)
        let verdict = try await Self.verdict(try Self.corpusMessage().message, resolver: resolver)
        #expect(verdict.dmarc.result == .temperror)
        #expect(verdict.dmarc.disposition == .none)
    }
}

/// Answers like the resolver it wraps, but only after ten seconds unless the task is cancelled.
struct SlowResolver: DNSResolver {
    let base: StaticResolver

    func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord> {
        do {
            try await Task.sleep(for: .seconds(10))
        } catch {
            throw .timeout
        }
        return try await base.resolve(name, type: type)
    }
}
