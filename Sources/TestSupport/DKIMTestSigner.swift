import Foundation

/// A real DKIM signer for tests: Debian's python3-dkim (dkimpy) run through the system Python,
/// with keys made by openssl at test time.
public final class DKIMTestSigner: Sendable {
    /// A key pair: the private key file the signer reads and the public key as `p=` wants it.
    public struct Key: Sendable {
        public var type: String
        public var bits: Int
        public var privateKeyFile: URL
        /// The private key as PEM, the form dmarcd reads: ``privateKeyFile`` itself for RSA.
        public var pemFile: URL
        /// base64 of the SubjectPublicKeyInfo (RSA) or the 32 raw octets (Ed25519).
        public var publicKey: String
        /// base64 of the bare PKCS#1 RSAPublicKey; nil for Ed25519.
        public var rsaPublicKey: String?

        /// The key record text to publish for this key.
        public func record(pkcs1: Bool = false, extraTags: String = "") -> String {
            "v=DKIM1; k=\(type);\(extraTags) p=\(pkcs1 ? rsaPublicKey ?? publicKey : publicKey)"
        }
    }

    public static let python = "/usr/bin/python3"
    public static let openssl = "/usr/bin/openssl"

    /// The signer's only logic: read a message on stdin, print it with a DKIM-Signature
    /// field prepended. Arguments: selector, domain, key file, header and body
    /// canonicalization, algorithm, 1 for l=, signed field names joined by ":" (or ""),
    /// identity (or "").
    private static let script = """
        import sys
        # Signing looks nothing up; without this, dkimpy loads dnspython and its HTTP stack,
        # which takes ten times longer than the signing itself.
        sys.modules["dns"] = None
        import dkim
        selector, domain, keyfile, hcanon, bcanon, algorithm, length, fields, identity = sys.argv[1:10]
        message = sys.stdin.buffer.read()
        with open(keyfile, "rb") as f:
            key = f.read().strip()
        field = dkim.sign(message, selector.encode(), domain.encode(), key,
                          identity=identity.encode() if identity else None,
                          canonicalize=(hcanon.encode(), bcanon.encode()),
                          signature_algorithm=algorithm.encode(),
                          include_headers=[f.encode() for f in fields.split(":")] if fields else None,
                          length=length == "1")
        sys.stdout.buffer.write(field + message)
        """

    /// Adds an ARC set as an intermediary would: read a message on stdin whose
    /// Authentication-Results field from `authserv-id` records what the intermediary saw, print
    /// it with ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results prepended.
    /// Arguments: selector, domain, key file, authserv-id.
    private static let arcScript = """
        import sys, dkim
        selector, domain, keyfile, authserv_id = sys.argv[1:5]
        message = sys.stdin.buffer.read()
        with open(keyfile, "rb") as f:
            key = f.read().strip()
        fields = dkim.arc_sign(message, selector.encode(), domain.encode(), key, authserv_id.encode())
        if not fields:
            sys.exit("no ARC set added: no Authentication-Results field from " + authserv_id)
        sys.stdout.buffer.write(b"".join(fields) + message)
        """

    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-dkim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Fail here, with the reason, when the Debian packages are missing.
        try TestProgram.run([Self.python, "-c", "import dkim, nacl"])
    }

    /// Deletes the folder of key files now; otherwise it goes when the last reference to the
    /// signer does.
    public func removeKeys() {
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        removeKeys()
    }

    /// A new RSA key of `bits` bits (openssl genpkey writes PKCS#8, which dkimpy reads).
    public func rsaKey(bits: Int) throws -> Key {
        let file = directory.appendingPathComponent("rsa-\(bits)-\(UUID().uuidString).pem")
        try TestProgram.run([Self.openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)",
                                 "-out", file.path])
        let spki = try TestProgram.run([Self.openssl, "pkey", "-in", file.path, "-pubout", "-outform", "DER"])
        let pkcs1 = try TestProgram.run([Self.openssl, "rsa", "-in", file.path, "-RSAPublicKey_out", "-outform", "DER"])
        return Key(type: "rsa", bits: bits, privateKeyFile: file, pemFile: file, publicKey: Data(spki).base64EncodedString(),
                   rsaPublicKey: Data(pkcs1).base64EncodedString())
    }

    /// A new Ed25519 key; dkimpy wants the 32-byte seed in base64, which ends the PKCS#8 DER.
    public func ed25519Key() throws -> Key {
        let der = directory.appendingPathComponent("ed25519-\(UUID().uuidString).der")
        try TestProgram.run([Self.openssl, "genpkey", "-algorithm", "ed25519", "-outform", "DER", "-out", der.path])
        let seed = try Data(contentsOf: der).suffix(32)
        let seedFile = der.appendingPathExtension("seed")
        try Data(seed.base64EncodedString().utf8).write(to: seedFile)
        let spki = try TestProgram.run([Self.openssl, "pkey", "-in", der.path, "-inform", "DER", "-pubout",
                                            "-outform", "DER"])
        let pem = der.deletingPathExtension().appendingPathExtension("pem")
        try TestProgram.run([Self.openssl, "pkey", "-in", der.path, "-inform", "DER", "-out", pem.path])
        return Key(type: "ed25519", bits: 256, privateKeyFile: seedFile, pemFile: pem,
                   publicKey: Data(spki.suffix(32)).base64EncodedString(), rsaPublicKey: nil)
    }

    /// `message` (CRLF) with a DKIM-Signature field from dkimpy prepended.
    public func sign(_ message: [UInt8], keyFile: URL, algorithm: String, selector: String = "sel",
              domain: String = "example.com", header: String = "relaxed", body: String = "relaxed",
              length: Bool = false, signedFields: [String] = [], identity: String = "") throws -> [UInt8] {
        try TestProgram.run(
            [Self.python, "-c", Self.script, selector, domain, keyFile.path, header, body, algorithm,
             length ? "1" : "0", signedFields.joined(separator: ":"), identity],
            input: message)
    }

    /// Signs with `key`, choosing the algorithm from its type.
    public func sign(_ message: [UInt8], key: Key, selector: String = "sel", domain: String = "example.com",
              header: String = "relaxed", body: String = "relaxed", length: Bool = false,
              signedFields: [String] = [], identity: String = "") throws -> [UInt8] {
        try sign(message, keyFile: key.privateKeyFile, algorithm: key.type == "rsa" ? "rsa-sha256" : "ed25519-sha256",
                 selector: selector, domain: domain, header: header, body: body, length: length,
                 signedFields: signedFields, identity: identity)
    }

    /// `message` (CRLF) sealed with an ARC set by `domain` (RSA keys only: dkimpy's ARC signer
    /// takes PEM). The message must carry an Authentication-Results field from `authservID`.
    public func arcSeal(_ message: [UInt8], key: Key, selector: String = "arc", domain: String,
                        authservID: String) throws -> [UInt8] {
        try TestProgram.run([Self.python, "-c", Self.arcScript, selector, domain, key.privateKeyFile.path, authservID],
                            input: message)
    }
}
