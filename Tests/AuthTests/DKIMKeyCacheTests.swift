@testable import Auth
import Testing

@Suite("The cache of verification keys")
struct DKIMKeyCacheTests {
    static let record = Array("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=".utf8)

    @Test("a record seen before is not parsed again; its outcome is kept per algorithm and limits")
    func sameRecordSameKey() throws {
        let cache = DKIMKeyCache()
        for _ in 0..<3 {
            let outcome = cache.outcome(record: Self.record, algorithm: .ed25519SHA256, limits: .init())
            #expect(try outcome.get().key.get().bits == 256)
        }
        #expect(cache.count == 1)

        // The same record for an RSA signature gives no key (RFC 6376 §6.1.2 step 8), kept apart.
        let rsa = cache.outcome(record: Self.record, algorithm: .rsaSHA256, limits: .init())
        #expect(throws: DKIMFailure.self) { try rsa.get().key.get() }
        // Limits that refuse the record give no record at all.
        var tighter = DKIMVerifier.Limits()
        tighter.keyRecordBytes = 16
        let tooLong = cache.outcome(record: Self.record, algorithm: .ed25519SHA256, limits: tighter)
        #expect(throws: DKIMFailure.self) { try tooLong.get() }
        #expect(cache.count == 3)
    }
}
