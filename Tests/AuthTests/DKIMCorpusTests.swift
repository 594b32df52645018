@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// The signed messages of the shared corpus (SOURCES.md §2): dkimpy's data, stalwart's
/// `resources/dkim/` and the RFC 8463 example, with the DNS data SOURCES.md and
/// `dkimpy/README-dns-mapping.md` give for them.
struct DKIMCorpusTests {
    static func dkimpy(_ name: String) -> URL { Fixtures.corpus("dkimpy/data/\(name)") }

    static func dkimpyText(_ name: String) throws -> String {
        try Fixtures.text(dkimpy(name)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let brisbaneEd25519 = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    static let gmail20120113 = "k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Kd87/UeJjenpabgbFwh+eBCsSTrqmwIYYvywlbhbqoo2DymndFkbjOVIPIldNs/m40KF+yzMn1skyoxcTUGCQs8g3FgD2Ap3ZB5DekAo5wMmk4wimDO+U8QzI3SD07y2+07wlNWwIt8svnxgdxGkVbbhzY8i+RQ9DpSVpPbF7ykQxtKXkv/ahW3KjViiAH+ghvvIhkx4xYSIc9oSwVmAl5OctMEeWUwg8Istjqz8BZeTWbf41fbNhte7Y+YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598HY+vtSBczUiKERHv1yRbcaQtZFh5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB"

    /// Given a pre-signed corpus message and its keys, every feed mode gives the expected results.
    static func expect(_ message: DKIMTestMessage, resolver: any DNSResolver, now: Date = Date(),
                       modes: [DKIMFeedMode] = DKIMFeedMode.allCases, _ expected: [DKIMResult.Status],
                       sourceLocation: SourceLocation = #_sourceLocation) async {
        for mode in modes {
            let results = await message.verify(resolver: resolver, mode: mode, now: now)
            #expect(results.map(\.status) == expected, "\(mode): \(results)", sourceLocation: sourceLocation)
        }
    }

    // MARK: dkimpy, signed before

    @Test func rfc6376MessageSignedWithEd25519AndRSAVerifiesBoth() async throws {
        let message = try DKIMTestMessage(contentsOf: Self.dkimpy("rfc6376.signed.msg"))
        let resolver = DKIMTestDNS.resolver([
            ("brisbane._domainkey.football.example.com", Self.brisbaneEd25519),
            ("test._domainkey.football.example.com", try Self.dkimpyText("test.txt")),
        ])
        await Self.expect(message, resolver: resolver, [.pass, .pass])
        let results = await message.verify(resolver: resolver)
        #expect(results.map { $0.key?.type } == ["ed25519", "rsa"])
        #expect(results.map { $0.key?.bits } == [256, 1024])
    }

    @Test func rfc6376MessageSignedWithRSAVerifies() async throws {
        let message = try DKIMTestMessage(contentsOf: Self.dkimpy("rfc6376.signed.rsa.msg"))
        let resolver = DKIMTestDNS.resolver([("test._domainkey.football.example.com", try Self.dkimpyText("test.txt"))])
        await Self.expect(message, resolver: resolver, [.pass])
    }

    @Test func gmailMessageWithDegenerateFoldingVerifies() async throws {
        let message = try DKIMTestMessage(contentsOf: Self.dkimpy("test2.message"))
        let resolver = DKIMTestDNS.resolver([("20120113._domainkey.gmail.com", Self.gmail20120113)])
        await Self.expect(message, resolver: resolver, [.pass])
    }

    @Test func eximEd25519MessageVerifies() async throws {
        let message = try DKIMTestMessage(contentsOf: Self.dkimpy("ed25519test2.msg"))
        let resolver = DKIMTestDNS.resolver([("sed._domainkey.test.ex", try Self.dkimpyText("eximtest.dns"))])
        await Self.expect(message, resolver: resolver, [.pass])
    }

    @Test func domainInjectionInDIsPermerror() async throws {
        let message = try DKIMTestMessage(contentsOf: Self.dkimpy("test.message.baddomain"))
        let resolver = DKIMTestDNS.resolver([("test._domainkey.legitimate.com(.attacker.com", try Self.dkimpyText("test.txt"))])
        let results = await message.verify(resolver: resolver)
        #expect(results.map(\.status) == [.permerror])
        #expect(results.first?.failure == .signatureSyntax("d=legitimate.com(.attacker.com is not a domain name"))
    }

    // MARK: stalwart

    @Test func stalwart001RFC8463ExampleVerifiesBothKeys() async throws {
        let test = try StalwartCase("001.txt")
        await Self.expect(test.message, resolver: test.resolver, [.pass, .pass])
    }

    @Test func stalwart002ResignedRFC6376ExampleWithBarePKCS1KeyVerifies() async throws {
        let test = try StalwartCase("002.txt")
        await Self.expect(test.message, resolver: test.resolver, [.pass])
        #expect(await test.message.verify(resolver: test.resolver).first?.key?.bits == 1024)
    }

    @Test func stalwart003IETFListMessageVerifiesBothCopies() async throws {
        let test = try StalwartCase("003.txt")
        await Self.expect(test.message, resolver: test.resolver, [.pass, .pass])
    }

    @Test func stalwart004FacebookMessageWithStrictKeyVerifies() async throws {
        let test = try StalwartCase("004.txt")
        await Self.expect(test.message, resolver: test.resolver, [.pass])
    }

    @Test func stalwart005TopicboxMessageVerifiesBeforeItsExpiry() async throws {
        let test = try StalwartCase("005.txt")
        // t=1667843664, x=1667930064 (SOURCES.md §2): verified with the clock one hour after t=.
        await Self.expect(test.message, resolver: test.resolver, now: Date(timeIntervalSince1970: 1_667_847_264), [.pass])
    }

    @Test func stalwart005TopicboxMessageIsExpiredToday() async throws {
        let test = try StalwartCase("005.txt")
        let results = await test.message.verify(resolver: test.resolver, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(results.map(\.status) == [.permerror])
        #expect(results.first?.failure == .expired(expiration: 1_667_930_064, now: 1_800_000_000))
    }

    @Test func stalwart006GitHubMessageVerifies() async throws {
        let test = try StalwartCase("006.txt")
        await Self.expect(test.message, resolver: test.resolver, [.pass])
    }

    // MARK: RFC examples

    @Test func rfc8463AppendixAVerifiesWithBothKeys() async throws {
        let message = try DKIMTestMessage(contentsOf: Fixtures.corpus("rfc-examples/rfc8463-A3-signed-message.eml"))
        var resolver = StaticResolver()
        for line in try Fixtures.text(Fixtures.corpus("rfc-examples/rfc8463-A2-dns.txt")).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            resolver.add(DKIMTestDNS.record(String(parts[1])), at: String(parts[0]))
        }
        await Self.expect(message, resolver: resolver, [.pass, .pass])
        let results = await message.verify(resolver: resolver)
        #expect(results.map(\.algorithm) == ["ed25519-sha256", "rsa-sha256"])
        #expect(results.map(\.selector) == ["brisbane", "test"])
    }

    /// SOURCES.md §2: the RFC 6376 example does not verify; it is a parse and negative vector.
    @Test func rfc6376AppendixAExampleFindsNoKeyUnderItsOwnDomain() async throws {
        let message = try DKIMTestMessage(contentsOf: Fixtures.corpus("rfc-examples/rfc6376-A2-signed-message.eml"))
        let published = try Fixtures.text(Fixtures.corpus("rfc-examples/rfc6376-C-brisbane.dns.txt"))
            .split(separator: " ", maxSplits: 1)
        // Appendix C publishes the key under example.org; the signature says d=example.com.
        let resolver = DKIMTestDNS.resolver([(String(published[0]), String(published[1]))])
        let results = await message.verify(resolver: resolver)
        #expect(results.map(\.status) == [.permerror])
        #expect(results.first?.failure == .noKey("brisbane._domainkey.example.com (NXDOMAIN)"))
        #expect(results.first?.domain == "example.com")
    }

    @Test func rfc6376AppendixAExampleFailsItsBodyHashWhenTheKeyIsFound() async throws {
        let message = try DKIMTestMessage(contentsOf: Fixtures.corpus("rfc-examples/rfc6376-A2-signed-message.eml"))
        let published = try Fixtures.text(Fixtures.corpus("rfc-examples/rfc6376-C-brisbane.dns.txt"))
            .split(separator: " ", maxSplits: 1)
        let resolver = DKIMTestDNS.resolver([("brisbane._domainkey.example.com", String(published[1]))])
        let results = await message.verify(resolver: resolver)
        #expect(results.map(\.status) == [.fail])
        #expect(results.first?.failure == .bodyHashMismatch)
    }

    // MARK: Tampering with every verifying corpus message

    static func verifyingCorpus() throws -> [(String, DKIMTestMessage, StaticResolver)] {
        var cases: [(String, DKIMTestMessage, StaticResolver)] = []
        for name in ["001.txt", "002.txt", "003.txt", "004.txt", "006.txt"] {
            let test = try StalwartCase(name)
            cases.append(("stalwart/\(name)", test.message, test.resolver))
        }
        let test = try dkimpyText("test.txt")
        cases.append(("dkimpy/rfc6376.signed.msg", try DKIMTestMessage(contentsOf: dkimpy("rfc6376.signed.msg")),
                      DKIMTestDNS.resolver([("brisbane._domainkey.football.example.com", brisbaneEd25519),
                                            ("test._domainkey.football.example.com", test)])))
        cases.append(("dkimpy/test2.message", try DKIMTestMessage(contentsOf: dkimpy("test2.message")),
                      DKIMTestDNS.resolver([("20120113._domainkey.gmail.com", gmail20120113)])))
        cases.append(("dkimpy/ed25519test2.msg", try DKIMTestMessage(contentsOf: dkimpy("ed25519test2.msg")),
                      DKIMTestDNS.resolver([("sed._domainkey.test.ex", try dkimpyText("eximtest.dns"))])))
        return cases
    }

    @Test func aChangedBodyFailsEverySignatureWithItsBodyHash() async throws {
        for (name, original, resolver) in try Self.verifyingCorpus() {
            var message = original
            message.body = Array("Injected line.\r\n".utf8) + message.body
            let results = await message.verify(resolver: resolver)
            #expect(!results.isEmpty && results.allSatisfy { $0.status == .fail && $0.failure == .bodyHashMismatch },
                    "\(name): \(results)")
        }
    }

    @Test func aChangedFromFailsEverySignature() async throws {
        for (name, original, resolver) in try Self.verifyingCorpus() {
            var message = original
            let from = try #require(message.fields.lastIndex { $0.hasName("From") }, "\(name)")
            message.fields[from] = HeaderField(name: message.fields[from].name, value: " Mallory <mallory@example.net>")
            let results = await message.verify(resolver: resolver)
            #expect(!results.isEmpty && results.allSatisfy { $0.status == .fail && $0.failure == .signatureMismatch },
                    "\(name): \(results)")
        }
    }

    @Test func aChangedKeyFailsEverySignature() async throws {
        let foreignRSA = try Self.dkimpyText("2048_testkey_wo_markers.pub.txt")
        let foreignEd25519 = "v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y="
        for (name, message, _) in try Self.verifyingCorpus() {
            var resolver = StaticResolver()
            for signature in message.fields.filter({ $0.hasName("DKIM-Signature") }) {
                let parsed = try DKIMSignature(parsing: signature.rawValue, limits: .init())
                resolver.add(DKIMTestDNS.record(parsed.algorithm == .rsaSHA256 ? foreignRSA : foreignEd25519),
                             at: parsed.keyName)
            }
            let results = await message.verify(resolver: resolver)
            #expect(!results.isEmpty && results.allSatisfy { $0.status == .fail && $0.failure == .signatureMismatch },
                    "\(name): \(results)")
        }
    }
}
