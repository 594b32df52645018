import Auth
import Foundation
import Testing
import TestSupport

/// What a published key record says about its key: its size, and whether it is a given key,
/// as a site checking its own selectors asks.
struct DKIMKeyRecordInspectionTests {
    static func record(_ text: String) throws -> DKIMKeyRecord {
        try DKIMKeyRecord(parsing: Array(text.utf8))
    }

    @Test("the RFC 6376 Appendix C key is 1024 bits, the RFC 8463 Ed25519 key 256, a revoked key none")
    func keyBits() throws {
        let brisbane = try Fixtures.text(Fixtures.corpus("rfc-examples/rfc6376-C-brisbane.dns.txt"))
        let rsa = try Self.record(String(brisbane.drop { $0 != " " }.dropFirst()).trimmingCharacters(in: .newlines))
        #expect(rsa.keyBits == 1024)
        #expect(try Self.record("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").keyBits == 256)
        #expect(try Self.record("v=DKIM1; k=rsa; p=").keyBits == nil)
        #expect(try Self.record("v=DKIM1; k=rsa; p=AAAA").keyBits == nil)
    }

    @Test("a key matches whether published or given as SubjectPublicKeyInfo or PKCS#1; another key does not")
    func publishes() throws {
        let signer = try DKIMTestSigner()
        let key = try signer.rsaKey(bits: 1024)
        let other = try signer.rsaKey(bits: 1024)
        let spki = Array(Data(base64Encoded: key.publicKey)!)
        let pkcs1 = Array(Data(base64Encoded: try #require(key.rsaPublicKey))!)
        let published = try Self.record(key.record())
        #expect(published.publishes(spki))
        #expect(published.publishes(pkcs1))
        #expect(try Self.record(key.record(pkcs1: true)).publishes(spki))
        #expect(!published.publishes(Array(Data(base64Encoded: other.publicKey)!)))
        #expect(!(try Self.record("v=DKIM1; p=")).publishes(spki))
    }
}
