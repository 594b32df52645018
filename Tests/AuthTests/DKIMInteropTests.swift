@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// Messages signed now by a real signer (dkimpy from Debian's python3-dkim) with keys made now
/// by openssl, fed to the verifier as a milter would: header fields in Postfix's form, the
/// body in chunks of 1, 7 and 65535 bytes.
@Suite(.serialized)
struct DKIMInteropTests {
    /// The keys, made once for the suite: RSA-4096 takes a while.
    struct Keys: Sendable {
        let signer: DKIMTestSigner
        let keys: [DKIMTestSigner.Key]

        static let shared: Result<Keys, TestProgram.Failure> = {
            do {
                let signer = try DKIMTestSigner()
                let keys = try [1024, 2048, 4096].map { try signer.rsaKey(bits: $0) } + [try signer.ed25519Key()]
                return .success(Keys(signer: signer, keys: keys))
            } catch {
                return .failure(TestProgram.Failure(description: "\(error)"))
            }
        }()
    }

    static let chunkSizes = [1, 7, 65535]

    /// A body with the things canonicalization cares about: runs of spaces and tabs, trailing
    /// white space, an empty line in the middle, non-ASCII octets, a long line and trailing
    /// empty lines.
    static let message: [UInt8] = Array(("""
        From: Alice Example <alice@example.com>\r
        To: bob@example.org\r
        Subject: Interop  test\r
        \twith a folded subject\r
        Date: Sun, 29 Nov 2026 04:46:56 +0000\r
        Message-ID: <interop@example.com>\r
        \r
        Hello  Bob,\t\tthis line has runs of white space.   \r
        \r
        Gr\u{00FC}\u{00DF}e, caf\u{00E9}.\r
        \(String(repeating: "0123456789 ", count: 200))\r
        \r
        \r

        """).utf8)

    static func resolver(for key: DKIMTestSigner.Key, pkcs1: Bool = false) -> StaticResolver {
        DKIMTestDNS.resolver([("sel._domainkey.example.com", key.record(pkcs1: pkcs1))])
    }

    @Test(arguments: ["simple/simple", "relaxed/relaxed", "relaxed/simple", "simple/relaxed"], [false, true])
    func everyKeyVerifiesInEveryChunkingAndFeedMode(canonicalization: String, length: Bool) async throws {
        let suite = try Keys.shared.get()
        let parts = canonicalization.split(separator: "/").map(String.init)
        for key in suite.keys {
            let signed = try suite.signer.sign(Self.message, key: key, header: parts[0], body: parts[1], length: length)
            let message = try DKIMTestMessage(bytes: signed)
            for mode in [DKIMFeedMode.postfixLeadingSpace, .postfixStripped] {
                for chunkSize in Self.chunkSizes {
                    let results = await message.verify(resolver: Self.resolver(for: key), chunkSize: chunkSize, mode: mode)
                    #expect(results.map(\.status) == [.pass],
                            "\(key.type)-\(key.bits) \(canonicalization) l=\(length) \(mode) chunk \(chunkSize): \(results)")
                    #expect(results.first?.key?.bits == key.bits)
                }
            }
        }
    }

    @Test func bareRSAPublicKeyRecordsVerifyAsWellAsSubjectPublicKeyInfo() async throws {
        let suite = try Keys.shared.get()
        for key in suite.keys where key.type == "rsa" {
            let message = try DKIMTestMessage(bytes: try suite.signer.sign(Self.message, key: key))
            let results = await message.verify(resolver: Self.resolver(for: key, pkcs1: true))
            #expect(results.map(\.status) == [.pass], "\(key.bits): \(results)")
        }
    }

    /// RFC 6376 §3.5 l=: text appended after signing is outside the signature, which still
    /// passes and says how much is unsigned: the 21 appended bytes and the two empty lines
    /// that were trailing (and so not counted in l=) before it.
    @Test func contentAppendedBeyondLengthStillPassesAndIsCounted() async throws {
        let suite = try Keys.shared.get()
        for key in suite.keys {
            for body in ["simple", "relaxed"] {
                var message = try DKIMTestMessage(bytes: try suite.signer.sign(Self.message, key: key, body: body, length: true))
                message.body += Array("Appended by a list.\r\n".utf8)
                for chunkSize in Self.chunkSizes {
                    let results = await message.verify(resolver: Self.resolver(for: key), chunkSize: chunkSize)
                    #expect(results.map(\.status) == [.pass], "\(key.bits) \(body) chunk \(chunkSize)")
                    #expect(results.first?.unsignedBodyBytes == 25)
                    #expect(results.first?.authenticationResult.render().contains("25 unsigned body bytes)") == true)
                }
            }
        }
    }

    @Test func contentAppendedWithoutLengthFails() async throws {
        let suite = try Keys.shared.get()
        for key in suite.keys {
            var message = try DKIMTestMessage(bytes: try suite.signer.sign(Self.message, key: key))
            message.body += Array("Appended by a list.\r\n".utf8)
            #expect(await message.verify(resolver: Self.resolver(for: key)).map(\.failure) == [.bodyHashMismatch])
        }
    }

    @Test func truncatedBodyBelowLengthFails() async throws {
        let suite = try Keys.shared.get()
        let key = suite.keys[1]
        var message = try DKIMTestMessage(bytes: try suite.signer.sign(Self.message, key: key, length: true))
        message.body = Array(message.body.prefix(40))
        let results = await message.verify(resolver: Self.resolver(for: key))
        #expect(results.map(\.status) == [.fail])
        guard case .bodyShorterThanLength = results.first?.failure else {
            Issue.record("expected bodyShorterThanLength, got \(results)")
            return
        }
    }

    /// RFC 8301 §3.1: "rsa-sha1 MUST NOT be used for signing or verifying."
    @Test func rsaSHA1SignatureIsRefused() async throws {
        let suite = try Keys.shared.get()
        let key = suite.keys[1]
        let signed = try suite.signer.sign(Self.message, keyFile: key.privateKeyFile, algorithm: "rsa-sha1")
        let results = await (try DKIMTestMessage(bytes: signed)).verify(resolver: Self.resolver(for: key))
        #expect(results.map(\.status) == [.permerror])
        #expect(results.first?.failure == .historicAlgorithm("rsa-sha1"))
        #expect(results.first?.algorithm == "rsa-sha1")
    }

    /// RFC 8301 §3.2: "Verifiers MUST NOT consider signatures using RSA keys of less than 1024
    /// bits as valid signatures."
    @Test func rsaKeyBelow1024BitsIsRefused() async throws {
        let suite = try Keys.shared.get()
        let key = try suite.signer.rsaKey(bits: 768)
        let signed = try suite.signer.sign(Self.message, key: key)
        let results = await (try DKIMTestMessage(bytes: signed)).verify(resolver: Self.resolver(for: key))
        #expect(results.map(\.status) == [.permerror])
        #expect(results.first?.failure == .keyTooSmall(bits: 768))
    }

    /// RFC 6376 §5.4.2 over-signing: dkimpy lists From twice, so a second From added after
    /// signing breaks the signature.
    @Test func addedFromFieldBreaksOverSignedSignature() async throws {
        let suite = try Keys.shared.get()
        let key = suite.keys[1]
        var message = try DKIMTestMessage(bytes: try suite.signer.sign(Self.message, key: key))
        #expect(await message.verify(resolver: Self.resolver(for: key)).map(\.status) == [.pass])
        message.fields.insert(HeaderField(name: "From", value: " mallory@example.net"), at: 1)
        #expect(await message.verify(resolver: Self.resolver(for: key)).map(\.failure) == [.signatureMismatch])
    }

    /// Bottom-up selection (RFC 6376 §5.4.2): h= lists X-Trace twice, so the bottom two are
    /// signed; one added on top changes nothing, one added below them breaks the signature.
    @Test func repeatedFieldsAreSignedFromTheBottomUp() async throws {
        let suite = try Keys.shared.get()
        let key = suite.keys[3]
        var unsigned = try DKIMTestMessage(bytes: Self.message)
        unsigned.fields.insert(contentsOf: [HeaderField(name: "X-Trace", value: " first"),
                                            HeaderField(name: "X-Trace", value: " second"),
                                            HeaderField(name: "X-Trace", value: " third")], at: 1)
        let signed = try suite.signer.sign(unsigned.bytes, key: key, signedFields: ["from", "x-trace", "x-trace"])
        var message = try DKIMTestMessage(bytes: signed)
        #expect(await message.verify(resolver: Self.resolver(for: key)).map(\.status) == [.pass])
        message.fields.insert(HeaderField(name: "X-Trace", value: " added on top"), at: 1)
        #expect(await message.verify(resolver: Self.resolver(for: key)).map(\.status) == [.pass])
        message.fields.insert(HeaderField(name: "X-Trace", value: " added below"), at: message.fields.count)
        #expect(await message.verify(resolver: Self.resolver(for: key)).map(\.failure) == [.signatureMismatch])
    }

    @Test func identityInSubdomainPassesUnlessTheKeyIsStrict() async throws {
        let suite = try Keys.shared.get()
        let key = suite.keys[3]
        let signed = try suite.signer.sign(Self.message, key: key, identity: "alice@mail.example.com")
        let message = try DKIMTestMessage(bytes: signed)
        #expect(await message.verify(resolver: Self.resolver(for: key)).map(\.status) == [.pass])
        let strict = DKIMTestDNS.resolver([("sel._domainkey.example.com", key.record(extraTags: " t=s;"))])
        let results = await message.verify(resolver: strict)
        #expect(results.map(\.failure) == [.identitySubdomainForbidden(identityDomain: "mail.example.com")])
    }

    @Test func testingKeyPassesAndSaysSo() async throws {
        let suite = try Keys.shared.get()
        let key = suite.keys[3]
        let message = try DKIMTestMessage(bytes: try suite.signer.sign(Self.message, key: key))
        let testing = DKIMTestDNS.resolver([("sel._domainkey.example.com", key.record(extraTags: " t=y;"))])
        let results = await message.verify(resolver: testing)
        #expect(results.map(\.status) == [.pass])
        #expect(results.first?.key?.isTesting == true)
        #expect(results.first?.authenticationResult.comment == "ed25519 key; testing")
    }
}
