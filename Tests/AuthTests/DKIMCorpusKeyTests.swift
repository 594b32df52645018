@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// dkimpy's keys, key records and unsigned messages (SOURCES.md §2, README-dns-mapping.md):
/// the messages are signed here with dkimpy and the corpus private keys, then verified with the
/// corpus key records.
struct DKIMCorpusKeyTests {
    static func dkimpy(_ name: String) -> URL { Fixtures.corpus("dkimpy/data/\(name)") }

    let signer: DKIMTestSigner

    init() throws {
        signer = try DKIMTestSigner()
    }

    /// `message` signed by dkimpy with `privateKey`, verified with `record` published at
    /// `selector._domainkey.domain`.
    func verify(_ messageFile: String = "test.message", privateKey: String = "test.private", record: String,
                selector: String = "test", domain: String = "example.com", algorithm: String = "rsa-sha256",
                signedFields: [String] = []) async throws -> DKIMResult {
        let unsigned = try DKIMTestMessage(contentsOf: Self.dkimpy(messageFile))
        let signed = try signer.sign(unsigned.bytes, keyFile: Self.dkimpy(privateKey), algorithm: algorithm,
                                     selector: selector, domain: domain, signedFields: signedFields)
        let text = try Fixtures.text(Self.dkimpy(record)).trimmingCharacters(in: .whitespacesAndNewlines)
        let resolver = DKIMTestDNS.resolver([("\(selector)._domainkey.\(domain)", text)])
        let results = await (try DKIMTestMessage(bytes: signed)).verify(resolver: resolver)
        return try #require(results.first)
    }

    @Test func testMessageVerifiesWithTheTestKey() async throws {
        let result = try await verify(record: "test.txt")
        #expect(result.status == .pass)
        #expect(result.key == DKIMResult.Key(type: "rsa", bits: 1024, isTesting: false))
    }

    @Test func keyRecordWithoutKTagDefaultsToRSA() async throws {
        #expect(try await verify(record: "test2.txt").status == .pass)
    }

    @Test func keyRecordWithUnknownKeyTypeIsIgnored() async throws {
        let result = try await verify(record: "badk.txt")
        #expect(result.status == .permerror)
        #expect(result.failure == .keySyntax("unknown key type k=ed25519-sha256"))
    }

    @Test func keyRecordWithMistypedVersionIsDiscarded() async throws {
        let result = try await verify(record: "badversion.txt")
        #expect(result.status == .permerror)
        #expect(result.failure == .keySyntax("v=DKIM1: g=* is not DKIM1"))
    }

    @Test func truncatedKeyIsASyntaxError() async throws {
        let result = try await verify(record: "test_bad.txt")
        #expect(result.status == .permerror)
        #expect(result.failure == .keySyntax("p= is not an RSA public key"))
    }

    @Test func keyForTLSReportsOnlyIsNotUsedForMail() async throws {
        let result = try await verify(record: "test_tlsrpt.txt")
        #expect(result.status == .permerror)
        #expect(result.failure == .keyNotForEmail("tlsrpt"))
    }

    @Test(arguments: [
        ("1024_testkey.key", "1024_testkey_wo_markers.pub.txt", 1024),
        ("1024_testkey.key", "1024_testkey_wo_markers.pub.rsa.txt", 1024),
        ("2048_testkey.key", "2048_testkey_wo_markers.pub.txt", 2048),
        ("2048_testkey.key", "2048_testkey_wo_markers.pub.rsa.txt", 2048),
        ("2048_testkey_PKCS8.key", "2048_testkey_PKCS8.key.pub.txt", 2048),
    ])
    func rsaKeyVerifiesInSubjectPublicKeyInfoAndBareRSAPublicKeyForm(privateKey: String, record: String, bits: Int) async throws {
        let result = try await verify(privateKey: privateKey, record: record)
        #expect(result.status == .pass, "\(result)")
        #expect(result.key?.bits == bits)
    }

    @Test func ed25519SeedSignsAndTheCorpusRecordVerifies() async throws {
        let result = try await verify(privateKey: "ed25519test.key", record: "ed25519test.dns", domain: "example.net",
                                      algorithm: "ed25519-sha256")
        #expect(result.status == .pass)
        #expect(result.key == DKIMResult.Key(type: "ed25519", bits: 256, isTesting: false))
    }

    /// Every unsigned corpus message, including a real mailbox message that already carries a
    /// signature and one with windows-1258 octets in its header.
    @Test(arguments: ["test.message", "ed25519test.msg", "message.mbox", "rfc6376.msg", "rfc6376.w1258.msg",
                      "test_extra.message"])
    func unsignedCorpusMessageVerifiesOnceSigned(file: String) async throws {
        let result = try await verify(file, record: "test.txt")
        #expect(result.status == .pass, "\(result)")
    }

    /// RFC 6376 §3.5 h= may name fields that do not exist; h= only has to list From (§6.1.1).
    @Test func messageWithoutFromVerifiesWhenFromIsListed() async throws {
        let result = try await verify("test_nofrom.message", record: "test.txt", signedFields: ["from", "to", "subject"])
        #expect(result.status == .pass)
    }
}
