@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// The streaming verifier as a milter drives it, and the header selection of RFC 6376 §5.4.2.
struct DKIMVerifierTests {
    static func stalwart001() throws -> StalwartCase { try StalwartCase("001.txt") }

    // MARK: Header selection

    static let block = [
        HeaderField(name: "DKIM-Signature", value: " v=1; h=received:received:received:from:dkim-signature"),
        HeaderField(name: "Received", value: " A"),
        HeaderField(name: "received", value: " B"),
        HeaderField(name: "RECEIVED", value: " C"),
        HeaderField(name: "From", value: " x@example.com"),
    ]

    static func signature(signing names: String) throws -> DKIMSignature {
        let value = "v=1; a=rsa-sha256; d=example.com; s=s; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA; h=\(names)"
        return try DKIMSignature(parsing: Array(value.utf8), limits: .init())
    }

    @Test func repeatedNamesTakeInstancesFromTheBottomUp() throws {
        let selected = DKIMHeaderHash(fields: Self.block)
            .selectedFields(for: try Self.signature(signing: "Received:from:received"), at: 0)
        #expect(selected.map(\.description) == ["RECEIVED: C", "From: x@example.com", "received: B"])
    }

    @Test func namesListedMoreOftenThanTheyOccurSignNothingMore() throws {
        let selected = DKIMHeaderHash(fields: Self.block)
            .selectedFields(for: try Self.signature(signing: "from:from:from:subject:received:received:received:received"), at: 0)
        #expect(selected.map(\.description) == ["From: x@example.com", "RECEIVED: C", "received: B", "Received: A"])
    }

    @Test func theSignatureBeingVerifiedIsNeverSelected() throws {
        let selected = DKIMHeaderHash(fields: Self.block)
            .selectedFields(for: try Self.signature(signing: "from:dkim-signature"), at: 0)
        #expect(selected.map(\.description) == ["From: x@example.com"])
        let other = DKIMHeaderHash(fields: Self.block + [Self.block[0]])
            .selectedFields(for: try Self.signature(signing: "from:dkim-signature:dkim-signature"), at: 5)
        #expect(other.count == 2 && other[1].hasName("dkim-signature"))
    }

    // MARK: Driving the verifier

    @Test func resultsComeInHeaderOrderWithIdentifiersEvenForBrokenSignatures() async throws {
        let test = try Self.stalwart001()
        var message = test.message
        message.fields.insert(HeaderField(name: "DKIM-Signature", value: " v=1; d=broken.example; s=x; b=QUJDREVGR0hJSg=="), at: 1)
        let results = await message.verify(resolver: test.resolver)
        #expect(results.map(\.status) == [.pass, .permerror, .pass])
        #expect(results[1].domain == "broken.example" && results[1].selector == "x" && results[1].signaturePrefix == "QUJDREVG")
        #expect(results[1].failure == .missingRequiredTag("a=, bh=, h="))
    }

    @Test func expiryIsJudgedByTheInjectedClock() async throws {
        let value = " v=1; a=rsa-sha256; d=example.com; s=sel; h=from; t=1000; x=2000; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA"
        let message = try DKIMTestMessage(text: "DKIM-Signature:\(value)\nFrom: a@example.com\n\nHi\n")
        let before = await message.verify(resolver: StaticResolver(), now: Date(timeIntervalSince1970: 1999))
        #expect(before.map(\.failure) == [.noKey("sel._domainkey.example.com (NXDOMAIN)")])
        let after = await message.verify(resolver: StaticResolver(), now: Date(timeIntervalSince1970: 2001))
        #expect(after.map(\.failure) == [.expired(expiration: 2000, now: 2001)])
    }

    @Test func finishingTwiceGivesTheSameResultsWithoutAskingAgain() async throws {
        let test = try Self.stalwart001()
        let counter = CountingResolver()
        var verifier = DKIMVerifier(resolver: counter)
        for field in test.message.fields { verifier.header(field) }
        verifier.body(test.message.body)
        let first = await verifier.finish()
        let second = await verifier.finish()
        #expect(first == second)
        #expect(await counter.queries == 2)
    }

    @Test func bodyWithoutEndOfHeadersEndsTheHeaders() async throws {
        let test = try Self.stalwart001()
        var verifier = DKIMVerifier(resolver: test.resolver)
        for field in test.message.fields { verifier.header(field) }
        verifier.body(test.message.body)
        verifier.header(HeaderField(name: "Subject", value: " added too late"))
        #expect(await verifier.finish().map(\.status) == [.pass, .pass])
    }

    @Test func chunksThatAreNotContiguousAreAccepted() async throws {
        let test = try Self.stalwart001()
        var verifier = DKIMVerifier(resolver: test.resolver)
        for field in test.message.fields { verifier.header(field) }
        verifier.endOfHeaders()
        verifier.body(test.message.body.lazy.map { $0 })
        #expect(await verifier.finish().map(\.status) == [.pass, .pass])
    }

    @Test func messageWithoutSignaturesHasNoResultsAndReportsNone() async throws {
        let message = try DKIMTestMessage(text: "From: a@example.com\nSubject: hi\n\nHello\n")
        let results = await message.verify(resolver: StaticResolver())
        #expect(results.isEmpty)
        #expect(DKIMResult.authenticationResults(for: results).map { $0.render() } == ["dkim=none"])
    }

    // MARK: Authentication-Results

    @Test func passRendersDomainSelectorAlgorithmSignatureAndKeySize() async throws {
        let test = try Self.stalwart001()
        let results = await test.message.verify(resolver: test.resolver)
        #expect(DKIMResult.authenticationResults(for: results).map { $0.render() } == [
            "dkim=pass (ed25519 key) header.d=football.example.com header.i=@football.example.com header.s=brisbane header.a=ed25519-sha256 header.b=\"/gCrinpc\"",
            "dkim=pass (1024-bit rsa key) header.d=football.example.com header.i=@football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf",
        ])
    }

    @Test func failureRendersItsReason() async throws {
        let test = try Self.stalwart001()
        var message = test.message
        message.body += Array("tampered\r\n".utf8)
        let rendered = await message.verify(resolver: test.resolver).map { $0.authenticationResult.render() }
        #expect(rendered.last == "dkim=fail (1024-bit rsa key) reason=\"body hash did not verify\" header.d=football.example.com header.i=@football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf")
    }

    @Test func temperrorRendersWithoutAKey() async throws {
        let test = try Self.stalwart001()
        var resolver = StaticResolver()
        resolver.fail("test._domainkey.football.example.com", with: .timeout)
        let results = await test.message.verify(resolver: resolver)
        #expect(results[1].authenticationResult.render()
                == "dkim=temperror reason=\"key unavailable: test._domainkey.football.example.com: timed out\" header.d=football.example.com header.i=@football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf")
    }
}
