@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// Messages signed by ``DKIMSigner`` and checked by three verifiers: dmarcd's own, dkimpy and
/// OpenDKIM, for every key type and canonicalization.
@Suite(.serialized)
struct DKIMSignerTests {
    /// Keys made once by openssl in the forms sites have: PKCS#1 as opendkim-genkey writes it,
    /// PKCS#8 as `openssl genpkey` writes it.
    struct Keys: Sendable {
        let directory: URL
        let files: [String: URL]

        static let shared: Result<Keys, TestProgram.Failure> = {
            do {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-signer-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                var files: [String: URL] = [:]
                func make(_ name: String, _ arguments: [String], bits: [String] = []) throws {
                    let file = directory.appendingPathComponent("\(name).pem")
                    try TestProgram.run([DKIMTestSigner.openssl] + arguments + ["-out", file.path] + bits)
                    files[name] = file
                }
                try make("rsa-1024-pkcs1", ["genrsa", "-traditional"], bits: ["1024"])
                try make("rsa-2048-pkcs8", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
                try make("ed25519-pkcs8", ["genpkey", "-algorithm", "ed25519"])
                try make("rsa-768-pkcs1", ["genrsa", "-traditional"], bits: ["768"])
                return .success(Keys(directory: directory, files: files))
            } catch {
                return .failure(TestProgram.Failure(description: "\(error)"))
            }
        }()

        func key(_ name: String) throws -> DKIMPrivateKey {
            try DKIMPrivateKey(contentsOfFile: files[name]!.path)
        }
    }

    static let usableKeys = ["rsa-1024-pkcs1", "rsa-2048-pkcs8", "ed25519-pkcs8"]
    static let canonicalizations: [(DKIMSigner.Canonicalization, DKIMSigner.Canonicalization)] =
        [(.relaxed, .relaxed), (.simple, .simple), (.relaxed, .simple), (.simple, .relaxed)]

    /// Two To fields, a folded Subject, a List-Id, white space the canonicalizations treat
    /// differently and trailing empty lines.
    static let message = """
        From: Alice Example <alice@example.com>\r
        To: bob@example.org\r
        To: carol@example.org\r
        Subject: Signer  test\r
        \twith a folded subject\r
        Date: Sun, 29 Nov 2026 04:46:56 +0000\r
        Message-ID: <signer@example.com>\r
        List-Id: <tests.example.com>\r
        X-Not-Signed: free to change\r
        \r
        Hello  Bob,\t\tthis line has runs of white space.   \r
        \r
        Gr\u{00FC}\u{00DF}e.\r
        \(String(repeating: "0123456789 ", count: 200))\r
        \r
        \r

        """

    /// `message` fed to a signer as Postfix hands it to a milter, the body in `chunkSize`
    /// pieces; returns the message with the signature on top.
    static func sign(_ message: DKIMTestMessage, key: DKIMPrivateKey,
                     canonicalization: (DKIMSigner.Canonicalization, DKIMSigner.Canonicalization) = (.relaxed, .relaxed),
                     chunkSize: Int = 65535) throws -> DKIMTestMessage {
        var signer = DKIMSigner(identity: .init(domain: "example.com", selector: "sel", key: key,
                                                headerCanonicalization: canonicalization.0,
                                                bodyCanonicalization: canonicalization.1))
        for field in message.fields { signer.header(DKIMFeedMode.postfixStripped.field(field)) }
        var offset = 0
        while offset < message.body.count {
            let end = min(offset + chunkSize, message.body.count)
            signer.body(message.body[offset..<end])
            offset = end
        }
        var signed = message
        signed.fields.insert(try signer.signatureField(at: Date(timeIntervalSince1970: 1_795_000_000)), at: 0)
        return signed
    }

    static func records(_ key: DKIMPrivateKey) -> [String: String] {
        ["sel._domainkey.example.com": key.keyRecord]
    }

    @Test(arguments: usableKeys)
    func everyKeyAndCanonicalizationVerifiesWithDmarcdDkimpyAndOpenDKIM(keyName: String) async throws {
        let key = try Keys.shared.get().key(keyName)
        let unsigned = try DKIMTestMessage(text: Self.message)
        for canonicalization in Self.canonicalizations {
            let label = "\(keyName) \(canonicalization.0)/\(canonicalization.1)"
            for chunkSize in [1, 7, 65535] {
                let signed = try Self.sign(unsigned, key: key, canonicalization: canonicalization, chunkSize: chunkSize)
                let ours = await signed.verify(resolver: DKIMTestDNS.resolver(Array(Self.records(key))),
                                               mode: .postfixStripped)
                #expect(ours.map(\.status) == [.pass], "\(label) chunk \(chunkSize): \(ours)")
                #expect(ours.first?.key?.bits == key.bits)
            }
            let signed = try Self.sign(unsigned, key: key, canonicalization: canonicalization)
            #expect(try DKIMTestVerifiers.dkimpy(signed.bytes, records: Self.records(key)), "dkimpy, \(label)")
            let opendkim = try DKIMTestVerifiers.opendkim(signed.bytes, records: Self.records(key))
            // OpenDKIM 2.11 gives the size of Ed25519 keys as 0 bits.
            let bits = key.keyType == "ed25519" ? 0 : key.bits
            #expect(opendkim.contains("verification (s=sel, d=example.com, \(bits)-bit key) succeeded"),
                    "OpenDKIM, \(label): \(opendkim)")
        }
    }

    /// RFC 6376 §3.5: the tags of the field, `h=` with over-signing (§5.4.2) and no `l=`.
    @Test func signatureFieldCarriesTheExpectedTags() throws {
        let key = try Keys.shared.get().key("ed25519-pkcs8")
        let signed = try Self.sign(try DKIMTestMessage(text: Self.message), key: key)
        let field = signed.fields[0]
        #expect(field.name == "DKIM-Signature")
        let signature = try DKIMSignature(parsing: field.rawValue, limits: .init())
        #expect(signature.algorithm == .ed25519SHA256)
        #expect(signature.headerCanonicalization == .relaxed && signature.bodyCanonicalization == .relaxed)
        #expect(signature.domain == "example.com" && signature.selector == "sel")
        #expect(signature.timestamp == 1_795_000_000)
        #expect(signature.bodyLength == nil)
        // Each present field once per instance, the over-signed ones once more, even when absent.
        #expect(signature.signedFields == ["from", "from", "reply-to", "subject", "subject", "date", "date",
                                           "to", "to", "to", "cc", "list-id", "message-id", "mime-version",
                                           "content-type", "content-transfer-encoding"])
        // Folded on lines of at most 78 characters, with CRLF.
        let lines = String(decoding: field.rawValue, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.count > 2)
        #expect(lines.allSatisfy { $0.count + (lines.first == $0 ? 15 : 0) <= 78 }, "\(lines)")
    }

    /// RFC 6376 §8.15: with From over-signed, a second From added later breaks the signature,
    /// and so does an added Reply-To; an unsigned field may be added freely.
    @Test func fieldsAddedAfterSigningBreakOnlyWhenSigned() async throws {
        let key = try Keys.shared.get().key("rsa-2048-pkcs8")
        let resolver = DKIMTestDNS.resolver(Array(Self.records(key)))
        let signed = try Self.sign(try DKIMTestMessage(text: Self.message), key: key)
        for (name, expected) in [("From", DKIMResult.Status.fail), ("Reply-To", .fail), ("X-Added", .pass)] {
            var changed = signed
            changed.fields.insert(HeaderField(name: name, value: " mallory@example.net"), at: 2)
            #expect(await changed.verify(resolver: resolver).map(\.status) == [expected], "\(name)")
        }
    }

    @Test func keysOutsideWhatRFC8301AllowsAreRefusedWithAReason() throws {
        let keys = try Keys.shared.get()
        #expect(throws: DKIMPrivateKey.LoadError.self) { try keys.key("rsa-768-pkcs1") }
        do {
            _ = try DKIMPrivateKey(contentsOfFile: keys.files["rsa-768-pkcs1"]!.path)
        } catch {
            #expect(error.reason.contains("1024"))
        }
        #expect(throws: DKIMPrivateKey.LoadError.self) { try DKIMPrivateKey(pem: "not a key") }
        #expect(throws: DKIMPrivateKey.LoadError.self) {
            try DKIMPrivateKey(pem: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n")
        }
        #expect(throws: DKIMPrivateKey.LoadError.self) {
            try DKIMPrivateKey(pem: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
        }
        #expect(throws: DKIMPrivateKey.LoadError.self) { try DKIMPrivateKey(contentsOfFile: "/nonexistent/key.pem") }
    }

    /// A generated key reads back from its own PEM and signs what the verifier accepts.
    @Test(arguments: [true, false])
    func generatedKeysRoundTripThroughPEM(ed25519: Bool) async throws {
        let key = try DKIMPrivateKey.generate(ed25519: ed25519, bits: 2048)
        let reread = try DKIMPrivateKey(pem: key.pemRepresentation)
        #expect(reread.publicKeyBase64 == key.publicKeyBase64)
        let signed = try Self.sign(try DKIMTestMessage(text: Self.message), key: reread)
        let results = await signed.verify(resolver: DKIMTestDNS.resolver(Array(Self.records(key))))
        #expect(results.map(\.status) == [.pass])
    }
}
