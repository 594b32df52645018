@testable import Auth
import Testing

@Suite("The cache of verification keys")
struct DKIMKeyCacheTests {
    static let record = Array("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=".utf8)

    /// Parses `record` and makes its key for `algorithm`, counting how often it is asked to.
    static func make(_ record: [UInt8], _ algorithm: DKIMSignature.Algorithm, counting made: inout Int)
        -> DKIMKeyCache.Outcome {
        made += 1
        return Result { () throws(DKIMFailure) in
            let parsed = try DKIMKeyRecord(parsing: record)
            return DKIMKeyCache.ParsedRecord(record: parsed, key: Result { () throws(DKIMFailure) in
                try DKIMPublicKey(record: parsed, algorithm: algorithm, limits: .init())
            })
        }
    }

    @Test("a record seen before gives the key made then, per algorithm and limits")
    func sameRecordSameKey() throws {
        let cache = DKIMKeyCache()
        var made = 0
        for _ in 0..<3 {
            let outcome = cache.outcome(record: Self.record, algorithm: .ed25519SHA256, limits: .init()) {
                Self.make(Self.record, .ed25519SHA256, counting: &made)
            }
            #expect(try outcome.get().key.get().bits == 256)
        }
        #expect(made == 1)

        // The same record for an RSA signature gives no key (RFC 6376 §6.1.2 step 8), kept apart.
        let rsa = cache.outcome(record: Self.record, algorithm: .rsaSHA256, limits: .init()) {
            Self.make(Self.record, .rsaSHA256, counting: &made)
        }
        #expect(throws: DKIMFailure.self) { try rsa.get().key.get() }
        var tighter = DKIMVerifier.Limits()
        tighter.keyRecordBytes = 16
        let tooLong = cache.outcome(record: Self.record, algorithm: .ed25519SHA256, limits: tighter) {
            Result { () throws(DKIMFailure) in
                made += 1
                return DKIMKeyCache.ParsedRecord(record: try DKIMKeyRecord(parsing: Self.record, limits: tighter),
                                                 key: .failure(.keyRevoked))
            }
        }
        #expect(throws: DKIMFailure.self) { try tooLong.get() }
        #expect(made == 3)
        #expect(cache.count == 3)
    }

    @Test("a full cache starts over rather than grow")
    func capacityIsABound() {
        let cache = DKIMKeyCache(capacity: 2)
        var made = 0
        for index in 0..<3 {
            let record = Self.record + Array(" ".utf8) + Array("\(index)".utf8)
            _ = cache.outcome(record: record, algorithm: .ed25519SHA256, limits: .init()) {
                Self.make(record, .ed25519SHA256, counting: &made)
            }
        }
        #expect(cache.count == 1)
    }
}
