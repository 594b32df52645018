import NIOConcurrencyHelpers

/// Verification keys made from key records, kept for the next message that brings the same
/// record.
///
/// A sender signs with one key for months, and the resolver's answer cache hands every message
/// the same record text; parsing the record, decoding `p=` and building the RSA key (whose
/// Montgomery values BoringSSL works out at its first use) cost about 2% of a message's CPU
/// each time. An entry is keyed by all that its outcome depends on: the record's bytes, the
/// signature's algorithm and the limits, so a key only ever serves the very record text it was
/// made from: a record that changes in DNS is a new entry.
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

    /// Entries kept at most; when full, all go (a site sees far fewer signing keys than this).
    let capacity: Int
    private let entries = NIOLockedValueBox<[Key: Outcome]>([:])

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// What `record` gives for a signature using `algorithm`, parsed now or kept from before.
    func outcome(record: [UInt8], algorithm: DKIMSignature.Algorithm, limits: DKIMVerifier.Limits) -> Outcome {
        let key = Key(record: record, algorithm: algorithm, limits: limits)
        if let kept = entries.withLockedValue({ $0[key] }) { return kept }
        let outcome = Result { () throws(DKIMFailure) in
            let parsed = try DKIMKeyRecord(parsing: record, limits: limits)
            return ParsedRecord(record: parsed, key: Result { () throws(DKIMFailure) in
                try DKIMPublicKey(record: parsed, algorithm: algorithm, limits: limits)
            })
        }
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = outcome
        }
        return outcome
    }

    /// Entries kept.
    var count: Int {
        entries.withLockedValue { $0.count }
    }
}
