@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// Key records (RFC 6376 §3.6.1) and what the key lookup makes of DNS answers (§6.1.2).
struct DKIMKeyRecordTests {
    static func record(_ text: String) throws(DKIMFailure) -> DKIMKeyRecord {
        try DKIMKeyRecord(parsing: Array(text.utf8), limits: .init())
    }

    static func failure(_ text: String) -> DKIMFailure? {
        do {
            _ = try record(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func recordWithAllTagsIsRead() throws {
        let record = try Self.record("v=DKIM1; h=sha1 : sha256; k=ed25519; n=Notes=20here; s=email:*; t=y:s; p=AAAA")
        #expect(record.keyType == .ed25519)
        #expect(record.acceptableHashes == ["sha1", "sha256"])
        #expect(record.serviceTypes == ["email", "*"] && record.isForEmail)
        #expect(record.isTesting && record.forbidsSubdomainIdentity)
        #expect(record.notes == "Notes=20here")
        #expect(record.publicKey == [0, 0, 0])
    }

    @Test func recordWithOnlyAKeyTakesTheDefaults() throws {
        let record = try Self.record("p=AAAA")
        #expect(record.keyType == .rsa)
        #expect(record.acceptableHashes == nil)
        #expect(record.serviceTypes == ["*"])
        #expect(!record.isTesting && !record.forbidsSubdomainIdentity)
    }

    @Test func versionMustBeDKIM1AndComeFirst() {
        #expect(Self.failure("v=DKIM1.0; p=AAAA") == .keySyntax("v=DKIM1.0 is not DKIM1"))
        #expect(Self.failure("p=AAAA; v=DKIM1") == .keySyntax("v= is not the first tag"))
    }

    @Test func keyIsRequiredAndEmptyMeansRevoked() throws {
        #expect(Self.failure("v=DKIM1; k=rsa") == .keySyntax("no p= tag"))
        #expect(try Self.record("v=DKIM1; p=").publicKey.isEmpty)
    }

    @Test func unknownFlagsServicesAndHashesAreIgnored() throws {
        let record = try Self.record("t=x-future; s=x-other; h=x-hash; p=AAAA")
        #expect(!record.isTesting && !record.isForEmail)
    }

    // MARK: In the verifier

    static let message = """
        DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=football.example.com;
         i=@football.example.com; q=dns/txt; s=brisbane; t=1528637909; h=from : to :
         subject : date : message-id : from : subject : date;
         bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
         b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus
         Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==
        From: Joe SixPack <joe@football.example.com>
        To: Suzie Q <suzie@shopping.example.net>
        Subject: Is dinner ready?
        Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
        Message-ID: <20030712040037.46341.5F8J@football.example.com>

        Hi.

        We lost the game.  Are you hungry yet?

        Joe.

        """
    static let keyName = "brisbane._domainkey.football.example.com"
    static let key = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

    static func verify(_ resolver: any DNSResolver) async throws -> DKIMResult {
        try #require(await DKIMTestMessage(text: message).verify(resolver: resolver).first)
    }

    @Test func rfc8463KeyVerifiesTheRFC8463Signature() async throws {
        #expect(try await Self.verify(DKIMTestDNS.resolver([(Self.keyName, Self.key)])).status == .pass)
    }

    @Test(arguments: [DNSError.timeout, .serverFailure("SERVFAIL")])
    func unansweredKeyQueryIsTemperror(error: DNSError) async throws {
        var resolver = StaticResolver()
        resolver.fail(Self.keyName, with: error)
        let result = try await Self.verify(resolver)
        #expect(result.status == .temperror)
        #expect(result.failure == .keyUnavailable("\(Self.keyName): \(error)"))
    }

    @Test(arguments: [DNSError.nxdomain, .noData])
    func missingKeyIsPermerror(error: DNSError) async throws {
        var resolver = StaticResolver()
        resolver.fail(Self.keyName, with: error)
        let result = try await Self.verify(resolver)
        #expect(result.status == .permerror)
        #expect(result.failure == .noKey("\(Self.keyName) (\(error))"))
    }

    @Test func unreadableAnswerIsPermerror() async throws {
        var resolver = StaticResolver()
        resolver.fail(Self.keyName, with: .malformed("TXT character-string runs past the record"))
        #expect(try await Self.verify(resolver).failure == .keySyntax("\(Self.keyName): TXT character-string runs past the record"))
    }

    @Test func revokedKeyIsPermerror() async throws {
        let result = try await Self.verify(DKIMTestDNS.resolver([(Self.keyName, "v=DKIM1; k=ed25519; p=")]))
        #expect(result.status == .permerror && result.failure == .keyRevoked)
    }

    @Test func keyThatForbidsSHA256IsPermerror() async throws {
        let result = try await Self.verify(DKIMTestDNS.resolver([(Self.keyName, "v=DKIM1; k=ed25519; h=sha1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")]))
        #expect(result.failure == .inappropriateHash("sha1"))
    }

    @Test func rsaKeyForAnEd25519SignatureIsPermerror() async throws {
        let rsa = try Fixtures.text(Fixtures.corpus("dkimpy/data/test.txt")).trimmingCharacters(in: .newlines)
        let result = try await Self.verify(DKIMTestDNS.resolver([(Self.keyName, rsa)]))
        #expect(result.failure == .inappropriateKeyAlgorithm("a=ed25519-sha256 with k=rsa"))
    }

    @Test func keyForEmailOnlyIsAccepted() async throws {
        #expect(try await Self.verify(DKIMTestDNS.resolver([(Self.keyName, Self.key + "; s=email")])).status == .pass)
    }

    /// RFC 6376 §6.1.2 step 4: with several records at the key name each is tried.
    @Test func severalRecordsAtTheKeyNameAreTriedInTurn() async throws {
        var resolver = StaticResolver()
        resolver.add(DKIMTestDNS.record("v=spf1 -all"), at: Self.keyName)
        resolver.add(DKIMTestDNS.record("v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y="), at: Self.keyName)
        resolver.add(DKIMTestDNS.record(Self.key), at: Self.keyName)
        #expect(try await Self.verify(resolver).status == .pass)
    }

    @Test func severalRecordsWithoutTheRightKeyReportTheSignatureFailure() async throws {
        var resolver = StaticResolver()
        resolver.add(DKIMTestDNS.record("v=spf1 -all"), at: Self.keyName)
        resolver.add(DKIMTestDNS.record("v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y="), at: Self.keyName)
        let result = try await Self.verify(resolver)
        #expect(result.status == .fail && result.failure == .signatureMismatch)
    }

    @Test func keySplitOverCharacterStringsIsJoined() async throws {
        var resolver = StaticResolver()
        resolver.add(.txt(TXTRecord("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7", "hcvPapiMlrwIaaPcHURo=")), at: Self.keyName)
        #expect(try await Self.verify(resolver).status == .pass)
    }

    @Test func keyLookupIsCaseInsensitiveAndSharedBetweenEqualNames() async throws {
        let counter = CountingResolver()
        var verifier = DKIMVerifier(resolver: counter)
        let message = try DKIMTestMessage(text: Self.message)
        let signature = message.fields[0]
        verifier.header(signature)
        verifier.header(HeaderField(name: signature.name, rawValue: Array(String(decoding: signature.rawValue, as: UTF8.self)
            .replacingOccurrences(of: "d=football.example.com", with: "d=FOOTBALL.example.com").utf8)))
        for field in message.fields.dropFirst() { verifier.header(field) }
        verifier.body(message.body)
        let results = await verifier.finish()
        #expect(results.map(\.status) == [.permerror, .permerror])
        #expect(await counter.queries == 1)
    }
}
