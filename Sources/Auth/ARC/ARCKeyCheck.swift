import Crypto
import DNS

/// Fetches ARC keys and checks signatures with them, as DKIM does (RFC 8617 §5.2:
/// "Canonicalization, hash functions, and signature validation methods are imported from
/// [RFC6376]").
enum ARCKeyCheck {
    typealias Keys = [String: Result<[[UInt8]], DKIMFailure>]

    /// One lookup per distinct lower-cased key name, all at once, through the DKIM key lookup
    /// that decides temporary against permanent failure.
    static func fetch(_ names: Set<String>, resolver: any DNSResolver, limits: DKIMVerifier.Limits) async -> Keys {
        await withTaskGroup(of: (String, Result<[[UInt8]], DKIMFailure>).self) { group in
            for name in names {
                group.addTask {
                    (name, await DKIMKeyLookup.records(at: name, resolver: resolver, limit: limits.keyRecordsPerName))
                }
            }
            var keys: Keys = [:]
            for await (name, answer) in group { keys[name] = answer }
            return keys
        }
    }

    /// Why the signature `tags` describe does not sign `hash`, or nil when it does.
    ///
    /// RFC 6376 §6.1.2 step 4: with several key records each is tried; a key that parsed and
    /// did not verify is the failure reported over a record that is no key.
    static func verify(_ tags: ARCTagRules.Common, hash: SHA256.Digest, keys: Keys,
                       limits: DKIMVerifier.Limits) -> DKIMFailure? {
        let records: [[UInt8]]
        switch keys[tags.keyName.lowercased()] ?? .failure(.noKey(tags.keyName)) {
        case .failure(let failure): return failure
        case .success(let found): records = found
        }
        var best: DKIMFailure?
        for text in records {
            do throws(DKIMFailure) {
                let record = try DKIMKeyRecord(parsing: text, limits: limits)
                guard record.isForEmail else { throw DKIMFailure.keyNotForEmail(record.serviceTypes.joined(separator: ":")) }
                let key = try DKIMPublicKey(record: record, algorithm: tags.algorithm, limits: limits)
                guard key.isValidSignature(tags.signature, headerHash: hash) else { throw DKIMFailure.signatureMismatch }
                return nil
            } catch {
                if best == nil || (best?.status != .fail && error.status == .fail) { best = error }
            }
        }
        return best ?? .noKey(tags.keyName)
    }
}
