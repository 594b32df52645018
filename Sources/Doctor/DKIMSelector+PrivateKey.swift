import Crypto
import _CryptoExtras

extension DKIMSelector {
    /// Why a private key file gave no key.
    public struct KeyError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The key of `selector` at `domain` with the public half of the private key a signer reads
    /// (PEM: RSA in PKCS#1 or PKCS#8, Ed25519 in PKCS#8), to compare with the published one.
    /// RSA keys under 2048 bits are read too: the check is there to say they are too small.
    public init(domain: String, selector: String, privateKeyPEM: String) throws(KeyError) {
        let publicKey: [UInt8]
        if let rsa = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: privateKeyPEM) {
            publicKey = Array(rsa.publicKey.derRepresentation)
        } else if let ed25519 = try? Curve25519.Signing.PrivateKey(pemRepresentation: privateKeyPEM) {
            // RFC 8463 §4.2: p= holds the 32 raw bytes of the public key.
            publicKey = Array(ed25519.publicKey.rawRepresentation)
        } else {
            throw KeyError(description: "not a PEM RSA or Ed25519 private key")
        }
        self.init(domain: domain, selector: selector, publicKey: publicKey)
    }
}
