/// A DKIM key the site signs with: where it is published, and optionally the public half of
/// the private key the signer holds, to compare with what is published.
public struct DKIMSelector: Sendable, Hashable, Codable {
    /// The signing domain, `d=`.
    public var domain: String
    /// The selector, `s=`; the key is published at `selector._domainkey.domain` (RFC 6376 §3.6.2.1).
    public var selector: String
    /// The public key in DER (SubjectPublicKeyInfo or PKCS#1) for RSA, the 32 raw bytes for
    /// Ed25519; nil when only the published record is checked.
    public var publicKey: [UInt8]?

    public init(domain: String, selector: String, publicKey: [UInt8]? = nil) {
        self.domain = domain
        self.selector = selector
        self.publicKey = publicKey
    }

    /// The name of the key record.
    public var recordName: String { "\(selector)._domainkey.\(domain)" }
}
