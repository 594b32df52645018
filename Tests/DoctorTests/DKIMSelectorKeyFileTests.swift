import Auth
import Doctor
import Foundation
import Testing
import TestSupport

/// The public half of a signer's private key file, compared with the published record.
struct DKIMSelectorKeyFileTests {
    static func corpus(_ file: String) throws -> String {
        try Fixtures.text(Fixtures.corpus("rfc-examples/\(file)"))
    }

    @Test("RFC 6376 Appendix C's private key is the key published for brisbane._domainkey.example.org")
    func rsaPKCS1() throws {
        let key = DKIMSelector(domain: "example.org", selector: "brisbane",
                               privateKey: try DKIMPrivateKey(pem: try Self.corpus("rfc6376-C-brisbane.private.pem")))
        let published = try Self.corpus("rfc6376-C-brisbane.dns.txt").drop { $0 != " " }.dropFirst()
        let record = try DKIMKeyRecord(parsing: Array(published.trimmingCharacters(in: .newlines).utf8))
        #expect(record.publishes(try #require(key.publicKey)))
        let other = DKIMSelector(domain: "football.example.com", selector: "test",
                                 privateKey: try DKIMPrivateKey(pem: try Self.corpus("rfc8463-A1-rsa-secret.pem")))
        #expect(!record.publishes(try #require(other.publicKey)))
    }

    @Test("an Ed25519 private key in PKCS#8 gives the 32 bytes p= holds")
    func ed25519() throws {
        let pem = try TestProgram.run([DKIMTestSigner.openssl, "genpkey", "-algorithm", "ed25519"])
        let spki = try TestProgram.run([DKIMTestSigner.openssl, "pkey", "-pubout", "-outform", "DER"], input: pem)
        let key = DKIMSelector(domain: "example.com", selector: "ed",
                               privateKey: try DKIMPrivateKey(pem: String(decoding: pem, as: UTF8.self)))
        #expect(key.publicKey == Array(spki.suffix(32)))
    }
}
