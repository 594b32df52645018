import Crypto
import _CryptoExtras

extension DKIMKeyRecord {
    /// The size of the published key in bits: the RSA modulus, or 256 for Ed25519; nil for a
    /// revoked key (empty `p=`, RFC 6376 §3.6.1) or one that is not a key of its `k=` type.
    public var keyBits: Int? {
        guard !publicKey.isEmpty else { return nil }
        switch keyType {
        case .rsa: return RSAPublicKeyDER.modulusBits(publicKey)
        case .ed25519: return publicKey.count == 32 ? 256 : nil
        }
    }

    /// True when `p=` holds the same key as `key`: for RSA a DER public key in either form that
    /// `p=` may take (SubjectPublicKeyInfo or PKCS#1, RFC 6376 §3.6.1), for Ed25519 the 32 raw
    /// bytes (RFC 8463 §4.2). Comparing the parsed keys, not the bytes, lets a site compare the
    /// key its signer holds with the one it published whichever form each is written in.
    public func publishes(_ key: [UInt8]) -> Bool {
        guard !publicKey.isEmpty else { return false }
        switch keyType {
        case .rsa:
            guard let published = try? _RSA.Signing.PublicKey(unsafeDERRepresentation: publicKey),
                let given = try? _RSA.Signing.PublicKey(unsafeDERRepresentation: key)
            else { return false }
            return published.derRepresentation == given.derRepresentation
        case .ed25519:
            return publicKey == key
        }
    }
}
