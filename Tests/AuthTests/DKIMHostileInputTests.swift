@testable import Auth
import DNS
import Foundation
import Testing

/// Input built to hurt a verifier (RFC 6376 §8.4): each gives permerror or neutral results
/// without crashing, and is turned away by a named limit before it is stored or parsed further.
struct DKIMHostileInputTests {
    static let body = Array("Hello.\r\n".utf8)

    static func verify(_ fields: [HeaderField], resolver: any DNSResolver = StaticResolver(),
                       limits: DKIMVerifier.Limits = .init()) async -> [DKIMResult] {
        var verifier = DKIMVerifier(resolver: resolver, limits: limits)
        for field in fields { verifier.header(field) }
        verifier.endOfHeaders()
        verifier.body(body)
        return await verifier.finish()
    }

    static func signature(_ value: String) -> HeaderField {
        HeaderField(name: "DKIM-Signature", value: value)
    }

    static let from = HeaderField(name: "From", value: " alice@example.com")
    static let valid = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA"

    @Test func signatureWithTenThousandTagsIsPermerror() async {
        let tags = (0..<10_000).map { "x\($0)=\($0)" }.joined(separator: "; ")
        let results = await Self.verify([Self.signature(" v=1; \(tags)"), Self.from],
                                        limits: .init(signatureFieldBytes: 1 << 20))
        #expect(results.map(\.status) == [.permerror])
        #expect(results.first?.failure == .tooManyTags(limit: 64))
    }

    @Test func oneMegabyteSignedFieldListIsPermerrorWithoutParsing() async {
        let names = String(repeating: "from:", count: 200_000) + "from"
        let results = await Self.verify([Self.signature(" \(Self.valid); h=\(names)"), Self.from])
        #expect(results.map(\.status) == [.permerror])
        guard case .signatureTooLarge(let bytes, 16384) = results.first?.failure, bytes > 1_000_000 else {
            Issue.record("expected signatureTooLarge, got \(results)")
            return
        }
    }

    @Test func oneMegabyteSignedFieldListWithinAFieldLimitHitsTheNameLimit() async {
        let names = String(repeating: "from:", count: 200_000) + "from"
        let results = await Self.verify([Self.signature(" v=1; a=rsa-sha256; d=example.com; s=sel; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA; h=\(names)"), Self.from],
                                        limits: .init(headerBytes: 4 << 20, signatureFieldBytes: 2 << 20))
        #expect(results.map(\.failure) == [.tooManySignedFields(count: 200_001, limit: 256)])
    }

    @Test(arguments: [
        "b=!!!!not base64!!!!",
        "b=QUJD=REVG",
        "b=QUJ",
        "b=",
        "b=\u{00FF}\u{00FE}",
    ])
    func base64GarbageInBIsPermerror(b: String) async {
        let value = Self.valid.replacingOccurrences(of: "b=AAAA", with: b)
        let results = await Self.verify([Self.signature(" " + value), Self.from])
        #expect(results.map(\.failure) == [.signatureSyntax("b= is not base64")])
    }

    @Test func base64GarbageInBodyHashIsPermerror() async {
        let value = Self.valid.replacingOccurrences(of: "bh=47DEQ", with: "bh=*7DEQ")
        let results = await Self.verify([Self.signature(" " + value), Self.from])
        #expect(results.map(\.failure) == [.signatureSyntax("bh= is not a base64 SHA-256 digest")])
    }

    @Test(arguments: [
        "v=DKIM1; p=TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcms=",
        "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ==",
        "v=DKIM1; p=MAA=",
        "v=DKIM1; p=\(String(repeating: "A", count: 3000))",
        "v=DKIM1; k=rsa; p=MIIB",
    ])
    func keyRecordThatIsNotDERIsPermerror(record: String) async {
        let resolver = DKIMTestDNS.resolver([("sel._domainkey.example.com", record)])
        let results = await Self.verify([Self.signature(" " + Self.valid), Self.from], resolver: resolver)
        #expect(results.map(\.status) == [.permerror], "\(results)")
        guard case .keySyntax = results.first?.failure else {
            Issue.record("expected a key syntax error, got \(results)")
            return
        }
    }

    @Test func oversizedKeyRecordIsPermerror() async {
        let resolver = DKIMTestDNS.resolver([("sel._domainkey.example.com", "v=DKIM1; p=" + String(repeating: "A", count: 8000))])
        let results = await Self.verify([Self.signature(" " + Self.valid), Self.from], resolver: resolver)
        #expect(results.map(\.failure) == [.keySyntax("record of 8011 bytes exceeds 4096")])
    }

    @Test func fiftySignaturesCheckFiveAndReportTheRestNotChecked() async {
        let counter = CountingResolver()
        let fields = (0..<50).map { Self.signature(" " + Self.valid.replacingOccurrences(of: "s=sel", with: "s=sel\($0)")) }
        let results = await Self.verify(fields + [Self.from], resolver: counter)
        #expect(results.count == 50)
        for (index, result) in results.prefix(5).enumerated() {
            #expect(result.failure == .noKey("sel\(index)._domainkey.example.com (NXDOMAIN)"))
        }
        #expect(results.dropFirst(5).allSatisfy { $0.status == .neutral && $0.failure == .notChecked(limit: 5) })
        #expect(results.map(\.selector) == (0..<50).map { "sel\($0)" })
        #expect(await counter.queries == 5)
    }

    @Test func headerBlockOverTheLimitLeavesSignaturesUnchecked() async {
        let filler = (0..<20).map { HeaderField(name: "X-Filler-\($0)", value: " " + String(repeating: "x", count: 100)) }
        let results = await Self.verify([Self.signature(" " + Self.valid)] + filler + [Self.signature(" " + Self.valid), Self.from],
                                        limits: .init(headerBytes: 1024))
        #expect(results.map(\.status) == [.neutral, .neutral])
        #expect(results.first?.domain == "example.com")
        #expect(results.allSatisfy { $0.failure == .headerBlockTooLarge(limit: 1024) })
    }

    @Test func malformedTagListsArePermerror() async {
        let lists = [
            "v=1; a=rsa-sha256;; d=example.com",
            "v=1; 1a=x",
            "v=1; a",
            "v=1; v=1",
            "v=1; a=rsa\u{0001}sha256",
            "",
        ]
        for list in lists {
            let results = await Self.verify([Self.signature(" " + list), Self.from])
            #expect(results.map(\.status) == [.permerror], "\(list): \(results)")
        }
    }

    @Test func hugeNumbersAreHeldWithoutOverflow() async {
        let value = Self.valid + "; l=" + String(repeating: "9", count: 76) + "; t=" + String(repeating: "9", count: 40)
        let results = await Self.verify([Self.signature(" " + value), Self.from])
        #expect(results.map(\.status) == [.permerror])
        #expect(results.first?.failure == .noKey("sel._domainkey.example.com (NXDOMAIN)"))
    }
}

/// A resolver that answers NXDOMAIN and counts the questions.
actor CountingResolver: DNSResolver {
    private(set) var queries = 0

    nonisolated func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord> {
        await count()
        throw .nxdomain
    }

    private func count() { queries += 1 }
}
