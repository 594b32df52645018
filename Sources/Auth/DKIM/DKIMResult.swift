/// The outcome for one DKIM-Signature field of a message.
///
/// Every signature gets one, good or bad; the identifiers are filled in as far as the field
/// could be read. DMARC takes the `pass` results and their ``domain`` (RFC 9989 §4.4.1).
public struct DKIMResult: Sendable, Hashable, CustomStringConvertible {
    /// The DKIM result names of RFC 8601 §2.7.1.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// The signature verified.
        case pass
        /// The signature could be checked and did not match the message.
        case fail
        /// The signature was not checked or could not be processed.
        case neutral
        /// The key could not be fetched this time; a later attempt may succeed.
        case temperror
        /// The signature or its key is unusable; trying again will not help.
        case permerror
        /// The signature verified but local policy does not accept it.
        case policy
        /// The message has no signature.
        case none
    }

    /// The key that was used, once one was found.
    public struct Key: Sendable, Hashable {
        /// `rsa` or `ed25519` (the key record's `k=`).
        public var type: String
        /// The RSA modulus size, or 256 for Ed25519.
        public var bits: Int
        /// The key record's `t=y`: the domain is testing DKIM, and RFC 6376 §3.6.1 says such
        /// mail MUST NOT be treated differently from unsigned mail.
        public var isTesting: Bool

        public init(type: String, bits: Int, isTesting: Bool) {
            self.type = type
            self.bits = bits
            self.isTesting = isTesting
        }
    }

    public var status: Status
    /// Why the signature did not pass; nil when it passed.
    public var failure: DKIMFailure?
    /// `d=`, the signing domain (SDID), as written.
    public var domain: String?
    /// `s=`, the selector.
    public var selector: String?
    /// `i=` as written (the AUID), when the signature has one.
    public var identity: String?
    /// `a=` as written.
    public var algorithm: String?
    /// The first 8 characters of `b=`, which tell signatures with equal `d=` apart
    /// (RFC 6008 §4 header.b).
    public var signaturePrefix: String?
    public var key: Key?
    /// Canonical body octets after the `l=` limit, which the signature does not cover
    /// (RFC 6376 §8.2); 0 when it covers the whole body.
    public var unsignedBodyBytes: Int

    public init(status: Status, failure: DKIMFailure? = nil, domain: String? = nil, selector: String? = nil,
                identity: String? = nil, algorithm: String? = nil, signaturePrefix: String? = nil,
                key: Key? = nil, unsignedBodyBytes: Int = 0) {
        self.status = status
        self.failure = failure
        self.domain = domain
        self.selector = selector
        self.identity = identity
        self.algorithm = algorithm
        self.signaturePrefix = signaturePrefix
        self.key = key
        self.unsignedBodyBytes = unsignedBodyBytes
    }

    /// A sentence for a person: the failure, or what passed.
    public var reason: String {
        if let failure { return failure.description }
        guard unsignedBodyBytes > 0 else { return "signature verified" }
        return "signature verified; \(unsignedBodyBytes) body bytes after l= are not signed"
    }

    public var description: String {
        "dkim=\(status.rawValue) d=\(domain ?? "?") s=\(selector ?? "?") b=\(signaturePrefix ?? "?"): \(reason)"
    }
}
