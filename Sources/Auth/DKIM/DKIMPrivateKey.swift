import Crypto
import Foundation
import _CryptoExtras

/// A signing key read from a PEM file: RSA in PKCS#1 (`RSA PRIVATE KEY`, as opendkim-genkey
/// writes it) or PKCS#8 (`PRIVATE KEY`), or Ed25519 in PKCS#8 (as `openssl genpkey -algorithm
/// ed25519` writes it).
public struct DKIMPrivateKey: Sendable {
    private enum Material: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    /// Why a key cannot be used, in words a postmaster can act on.
    public struct LoadError: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }

        public init(reason: String) {
            self.reason = reason
        }
    }

    /// RFC 8301 §3.2: "Signers MUST use RSA keys of at least 1024 bits"; above 4096 bits some
    /// verifiers give up (RFC 8301 §3.2 asks them to handle up to 4096 only).
    public static let rsaBits = 1024...4096

    private let material: Material
    /// The RSA modulus size, or 256 for Ed25519.
    public let bits: Int

    /// The `a=` value signatures made with this key carry (RFC 8301 §3.1, RFC 8463 §3).
    var algorithm: DKIMSignature.Algorithm {
        switch material {
        case .rsa: .rsaSHA256
        case .ed25519: .ed25519SHA256
        }
    }

    /// `rsa` or `ed25519`, the `k=` of the key record.
    public var keyType: String { algorithm.keyType.rawValue }

    /// Reads a PEM document.
    public init(pem: String) throws(LoadError) {
        let label = pem.split(whereSeparator: \.isNewline).first { $0.hasPrefix("-----BEGIN ") }
            .map { String($0.dropFirst(11).prefix { $0 != "-" }) }
        switch label {
        case "RSA PRIVATE KEY":
            try self.init(rsaPEM: pem)
        case "PRIVATE KEY":
            // PKCS#8 names its algorithm inside; an Ed25519 key is the short one.
            if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
                self.init(material: .ed25519(key), bits: 256)
            } else {
                try self.init(rsaPEM: pem)
            }
        case "ENCRYPTED PRIVATE KEY":
            throw LoadError(reason: "the key is encrypted with a passphrase; store it unencrypted, readable by dmarcd only")
        case let other?:
            throw LoadError(reason: "a PEM \"\(other)\" is not a private key (want RSA PRIVATE KEY or PRIVATE KEY)")
        case nil:
            throw LoadError(reason: "no PEM private key (no -----BEGIN line)")
        }
    }

    private init(rsaPEM pem: String) throws(LoadError) {
        let key: _RSA.Signing.PrivateKey
        do {
            // The "unsafe" initializer is the one that admits 1024-bit keys, which RFC 8301
            // still allows; the range is checked below with a clearer message.
            key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
        } catch {
            throw LoadError(reason: "not a readable Ed25519 key nor RSA key of 1024 bits or more (RFC 8301 §3.2)")
        }
        guard Self.rsaBits.contains(key.keySizeInBits) else {
            throw LoadError(reason: "RSA key of \(key.keySizeInBits) bits; dmarcd signs with 1024 to 4096")
        }
        self.init(material: .rsa(key), bits: key.keySizeInBits)
    }

    /// Reads the PEM file at `path`.
    public init(contentsOfFile path: String) throws(LoadError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadError(reason: "cannot read \(path): \((error as NSError).localizedDescription)")
        }
        do {
            try self.init(pem: text)
        } catch {
            throw LoadError(reason: "\(path): \(error.reason)")
        }
    }

    /// A new key: RSA of `bits` bits, or Ed25519 when `ed25519` is set.
    public static func generate(ed25519: Bool, bits: Int = 2048) throws(LoadError) -> DKIMPrivateKey {
        if ed25519 { return DKIMPrivateKey(material: .ed25519(Curve25519.Signing.PrivateKey()), bits: 256) }
        guard rsaBits.contains(bits) else {
            throw LoadError(reason: "RSA keys of \(rsaBits.lowerBound) to \(rsaBits.upperBound) bits only")
        }
        do {
            return DKIMPrivateKey(material: .rsa(try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))), bits: bits)
        } catch {
            throw LoadError(reason: "RSA key generation failed: \(error)")
        }
    }

    private init(material: Material, bits: Int) {
        self.material = material
        self.bits = bits
    }

    /// The key as PEM: PKCS#1 for RSA (the form opendkim-genkey writes), PKCS#8 for Ed25519.
    public var pemRepresentation: String {
        switch material {
        case .rsa(let key): key.pemRepresentation
        case .ed25519(let key): key.pemRepresentation
        }
    }

    /// The public key as the key record's `p=` holds it: the SubjectPublicKeyInfo for RSA, as
    /// opendkim-genkey publishes it (RFC 6376 §3.6.1), the 32 raw octets for Ed25519 (RFC 8463
    /// §4.2).
    public var publicKeyBytes: [UInt8] {
        switch material {
        case .rsa(let key): Array(key.publicKey.derRepresentation)
        case .ed25519(let key): Array(key.publicKey.rawRepresentation)
        }
    }

    /// The `p=` value of the key record.
    public var publicKeyBase64: String { Data(publicKeyBytes).base64EncodedString() }

    /// The text of the key record to publish at `selector._domainkey.domain` (RFC 6376 §3.6.1).
    public var keyRecord: String { "v=DKIM1; k=\(keyType); p=\(publicKeyBase64)" }

    /// The `b=` octets over a header hash: RSASSA-PKCS1-v1_5 over the SHA-256 digest (RFC 6376
    /// §3.3.2), or PureEdDSA over the 32 digest octets themselves (RFC 8463 §3).
    func signature(headerHash: SHA256.Digest) throws -> [UInt8] {
        switch material {
        case .rsa(let key):
            Array(try key.signature(for: headerHash, padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ed25519(let key):
            Array(try key.signature(for: Array(headerHash)))
        }
    }
}
