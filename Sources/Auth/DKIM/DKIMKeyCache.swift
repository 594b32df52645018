/// Verification keys made from key records, kept for the next message that brings the same
/// record (``RecordCache``): parsing the record, decoding `p=` and building the RSA key (whose
/// Montgomery values BoringSSL works out at its first use) cost about 2% of a message's CPU
/// each time. An entry is keyed by all that its outcome depends on: the record's bytes, the
/// signature's algorithm and the limits.
final class DKIMKeyCache: Sendable {
    private struct Key: Hashable {
        var record: [UInt8]
        var algorithm: DKIMSignature.Algorithm
        var limits: DKIMVerifier.Limits
    }

    /// A record that parsed, and the key it gives for the signature or why it gives none; the
    /// verifier checks the record itself before it asks for the key (RFC 6376 §6.1.2 steps 5–8).
    struct ParsedRecord: Sendable {
        let record: DKIMKeyRecord
        let key: Result<DKIMPublicKey, DKIMFailure>
    }

    typealias Outcome = Result<ParsedRecord, DKIMFailure>

    /// The one cache of the process, shared by every message's verifier.
    static let shared = DKIMKeyCache()

    private let outcomes: RecordCache<Key, Outcome>

    init(capacity: Int = 256) {
        outcomes = RecordCache(capacity: capacity)
    }

    /// What `record` gives for a signature using `algorithm`, parsed now or kept from before.
    func outcome(record: [UInt8], algorithm: DKIMSignature.Algorithm, limits: DKIMVerifier.Limits) -> Outcome {
        outcomes.value(for: Key(record: record, algorithm: algorithm, limits: limits)) {
            Result { () throws(DKIMFailure) in
                let parsed = try DKIMKeyRecord(parsing: record, limits: limits)
                return ParsedRecord(record: parsed, key: Result { () throws(DKIMFailure) in
                    try DKIMPublicKey(record: parsed, algorithm: algorithm, limits: limits)
                })
            }
        }
    }

    /// Entries kept.
    var count: Int { outcomes.count }
}
