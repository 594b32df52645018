/// Why a DKIM signature did not pass, in the words of RFC 6376 §6.1 where it has them.
///
/// Each case decides its RFC 8601 §2.7.1 result through ``status``: a signature that could be
/// checked and did not match is `fail`; one that cannot be checked because the signature or
/// its key record is unusable is `permerror` (RFC 6376 PERMFAIL without a failed
/// cryptographic check); a key lookup that may succeed later is `temperror`; a signature this
/// verifier chose not to check is `neutral`.
public enum DKIMFailure: Error, Sendable, Hashable, CustomStringConvertible {
    // MARK: The signature field (RFC 6376 §3.5, §6.1.1)

    /// The field is not a valid tag-list, or a tag value breaks its grammar.
    case signatureSyntax(String)
    /// A tag RFC 6376 §3.5 marks REQUIRED is absent.
    case missingRequiredTag(String)
    /// `v=` is not 1.
    case incompatibleVersion(String)
    /// `a=` names an algorithm this verifier does not implement.
    case unsupportedAlgorithm(String)
    /// `a=rsa-sha1`, which RFC 8301 §3.1 says MUST NOT be used for verifying.
    case historicAlgorithm(String)
    /// `c=` names a canonicalization that is not `simple` or `relaxed` (RFC 6376 §3.4).
    case unsupportedCanonicalization(String)
    /// `q=` lists no query method this verifier knows (only `dns/txt` exists).
    case unsupportedQueryMethod(String)
    /// The domain of `i=` is neither `d=` nor below it (RFC 6376 §6.1.1 "domain mismatch").
    case identityOutsideDomain(identity: String, domain: String)
    /// `h=` does not list From (RFC 6376 §6.1.1 "From field not signed").
    case fromNotSigned
    /// `x=` lies in the past (RFC 6376 §6.1.1 "signature expired").
    case expired(expiration: Int, now: Int)
    /// The field is longer than the verifier accepts.
    case signatureTooLarge(bytes: Int, limit: Int)
    /// The tag-list has more tags than the verifier accepts.
    case tooManyTags(limit: Int)
    /// `h=` names more header fields than the verifier accepts.
    case tooManySignedFields(count: Int, limit: Int)

    // MARK: The key (RFC 6376 §3.6, §6.1.2; RFC 8301 §3.2)

    /// The key name does not exist or holds no TXT record (§6.1.2 step 3, "no key for signature").
    case noKey(String)
    /// The key query did not get an answer (§6.1.2 step 2, "key unavailable").
    case keyUnavailable(String)
    /// The key record breaks RFC 6376 §3.6.1 ("key syntax error").
    case keySyntax(String)
    /// `p=` is empty (§6.1.2 step 7, "key revoked").
    case keyRevoked
    /// The key record's `h=` does not allow the signature's hash (§6.1.2 step 6).
    case inappropriateHash(String)
    /// The key's type does not fit `a=` (§6.1.2 step 8, "inappropriate key algorithm").
    case inappropriateKeyAlgorithm(String)
    /// The key record's `s=` does not include email (§3.6.1).
    case keyNotForEmail(String)
    /// The key record has `t=s` but `i=` is in a subdomain of `d=` (§3.6.1).
    case identitySubdomainForbidden(identityDomain: String)
    /// An RSA key shorter than 1024 bits (RFC 8301 §3.2).
    case keyTooSmall(bits: Int)
    /// An RSA key longer than the verifier accepts.
    case keyTooLarge(bits: Int, limit: Int)

    // MARK: The check itself (RFC 6376 §6.1.3)

    /// The body hash does not match `bh=` ("body hash did not verify").
    case bodyHashMismatch
    /// The canonicalized body is shorter than `l=` says (RFC 6376 §3.5): it was cut after signing.
    case bodyShorterThanLength(length: Int, bodyLength: Int)
    /// The signature does not verify against the header hash ("signature did not verify").
    case signatureMismatch

    // MARK: Not checked

    /// Beyond the number of signatures checked per message (RFC 6376 §6.1 allows a limit).
    case notChecked(limit: Int)
    /// The header block is larger than the verifier keeps, so signed fields may be missing.
    case headerBlockTooLarge(limit: Int)

    /// The RFC 8601 §2.7.1 result this failure produces.
    public var status: DKIMResult.Status {
        switch self {
        case .bodyHashMismatch, .bodyShorterThanLength, .signatureMismatch:
            .fail
        case .keyUnavailable:
            .temperror
        case .notChecked, .headerBlockTooLarge:
            .neutral
        default:
            .permerror
        }
    }

    public var description: String {
        switch self {
        case .signatureSyntax(let why): "signature syntax error: \(why)"
        case .missingRequiredTag(let tags): "signature missing required tag \(tags)"
        case .incompatibleVersion(let version): "incompatible version v=\(version)"
        case .unsupportedAlgorithm(let name): "unsupported algorithm a=\(name)"
        case .historicAlgorithm(let name): "\(name) is historic and not accepted (RFC 8301)"
        case .unsupportedCanonicalization(let name): "unsupported canonicalization c=\(name)"
        case .unsupportedQueryMethod(let methods): "no supported query method in q=\(methods)"
        case .identityOutsideDomain(let identity, let domain): "domain mismatch: i=\(identity) is not within d=\(domain)"
        case .fromNotSigned: "From field not signed"
        case .expired(let expiration, let now): "signature expired at \(expiration) (now \(now))"
        case .signatureTooLarge(let bytes, let limit): "signature field of \(bytes) bytes exceeds \(limit)"
        case .tooManyTags(let limit): "signature has more than \(limit) tags"
        case .tooManySignedFields(let count, let limit): "h= lists \(count) fields, more than \(limit)"
        case .noKey(let name): "no key for signature at \(name)"
        case .keyUnavailable(let why): "key unavailable: \(why)"
        case .keySyntax(let why): "key syntax error: \(why)"
        case .keyRevoked: "key revoked"
        case .inappropriateHash(let hashes): "inappropriate hash algorithm: key allows h=\(hashes)"
        case .inappropriateKeyAlgorithm(let why): "inappropriate key algorithm: \(why)"
        case .keyNotForEmail(let services): "key is not for email (s=\(services))"
        case .identitySubdomainForbidden(let domain): "key has t=s but i= is in subdomain \(domain)"
        case .keyTooSmall(let bits): "\(bits)-bit RSA key is below 1024 bits (RFC 8301)"
        case .keyTooLarge(let bits, let limit): "\(bits)-bit RSA key exceeds \(limit) bits"
        case .bodyHashMismatch: "body hash did not verify"
        case .bodyShorterThanLength(let length, let bodyLength): "l=\(length) exceeds the body's \(bodyLength) canonical bytes"
        case .signatureMismatch: "signature did not verify"
        case .notChecked(let limit): "not checked: only \(limit) signatures are checked per message"
        case .headerBlockTooLarge(let limit): "not checked: header block exceeds \(limit) bytes"
        }
    }
}
