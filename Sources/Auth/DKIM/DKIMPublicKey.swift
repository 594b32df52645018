import Crypto
import _CryptoExtras

/// A verification key taken from a key record, ready to check signatures.
struct DKIMPublicKey: Sendable {
    private enum Material: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    private let material: Material
    /// The key type, as `k=` names it.
    let type: DKIMKeyRecord.KeyType
    /// The RSA modulus size, or 256 for Ed25519.
    let bits: Int

    /// The key in `record`, checked against what RFC 6376 §6.1.2 steps 6–8 and RFC 8301 §3.2
    /// require for a signature using `algorithm`.
    init(record: DKIMKeyRecord, algorithm: DKIMSignature.Algorithm, limits: DKIMVerifier.Limits) throws(DKIMFailure) {
        // Step 6: the key's h= must allow the hash the signature used.
        if let hashes = record.acceptableHashes, !hashes.contains("sha256") {
            throw .inappropriateHash(hashes.joined(separator: ":"))
        }
        // Step 7: "If the public-key data (the "p=" tag) is empty, then this key has been revoked".
        guard !record.publicKey.isEmpty else { throw .keyRevoked }
        // Step 8: the key must suit a= and k=.
        guard record.keyType == algorithm.keyType else {
            throw .inappropriateKeyAlgorithm("a=\(algorithm.rawValue) with k=\(record.keyType.rawValue)")
        }
        type = record.keyType
        switch record.keyType {
        case .rsa:
            guard let bits = RSAPublicKeyDER.modulusBits(record.publicKey) else {
                throw .keySyntax("p= is not an RSA public key")
            }
            // RFC 8301 §3.2: "Verifiers MUST NOT consider signatures using RSA keys of less than
            // 1024 bits as valid signatures."
            guard bits >= 1024 else { throw .keyTooSmall(bits: bits) }
            guard bits <= limits.rsaKeyBits else { throw .keyTooLarge(bits: bits, limit: limits.rsaKeyBits) }
            do {
                // The "unsafe" initializer is the one that admits 1024-bit keys, which RFC 8301
                // §3.2 requires verifiers to accept.
                material = .rsa(try _RSA.Signing.PublicKey(unsafeDERRepresentation: record.publicKey))
            } catch {
                throw .keySyntax("p= is not a usable RSA public key")
            }
            self.bits = bits
        case .ed25519:
            // RFC 8463 §4.2: "The p= value in the key record is the Ed25519 public key encoded
            // in base64", 32 octets.
            guard record.publicKey.count == 32,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: record.publicKey) else {
                throw .keySyntax("p= is not a 32-byte Ed25519 public key")
            }
            material = .ed25519(key)
            bits = 256
        }
    }

    /// True when `signature` signs `headerHash` (RFC 6376 §3.7 data-hash).
    ///
    /// RSA: RSASSA-PKCS1-v1_5 over the SHA-256 digest (RFC 6376 §3.3.2). Ed25519: PureEdDSA over
    /// the 32 digest octets themselves (RFC 8463 §3).
    func isValidSignature(_ signature: [UInt8], headerHash: SHA256.Digest) -> Bool {
        switch material {
        case .rsa(let key):
            key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: headerHash,
                                 padding: .insecurePKCS1v1_5)
        case .ed25519(let key):
            key.isValidSignature(signature, for: Array(headerHash))
        }
    }
}
