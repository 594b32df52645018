import Auth
import Foundation
import Milter
import Testing
import TestSupport

@testable import App

/// How `Sign`, `KeyTable`, `SigningTable`, `InternalHosts` and `Canonicalization` become the
/// milter's signing keys.
@Suite struct ConfigurationSigningTests {
    private func configuration(_ text: String) throws -> Configuration {
        ConfigurationParser.parsedWithoutErrors(text).configuration
    }

    private static func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-signing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A PKCS#1 RSA key, the form opendkim-genkey writes.
    private static func rsaKey(at file: URL, bits: Int = 1024) throws {
        try TestProgram.run([DKIMTestSigner.openssl, "genrsa", "-traditional", "-out", file.path, "\(bits)"])
    }

    @Test func openDKIMReadmeTablesLoadAndChooseKeysByTheFromAddress() throws {
        // Given the README's KeyTable and refile: SigningTable, with its three keys made now
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["president", "excom", "exnet"] { try Self.rsaKey(at: directory.appendingPathComponent(name)) }
        for table in ["keytable", "signingtable"] {
            let text = try Fixtures.text(Fixtures.url("signing/opendkim-readme-\(table)"))
                .replacingOccurrences(of: "/usr/local/etc/dkim/keys", with: directory.path)
            try text.write(to: directory.appendingPathComponent(table), atomically: true, encoding: .utf8)
        }
        let settings = try configuration("""
            KeyTable \(directory.path)/keytable
            SigningTable refile:\(directory.path)/signingtable
            """).milterFilterSettings(hostName: "mx.example.test")
        let keys = settings.signingKeys
        // Then each sender gets the key the README intends, in file order
        func chosen(_ local: String, _ domain: String) -> [String] {
            keys.keys(localPart: local, domain: domain).map { "\($0.domain):\($0.selector)" }
        }
        #expect(chosen("president", "example.com") == ["example.com:foo"])
        #expect(chosen("President", "Example.COM") == ["example.com:foo"])
        #expect(chosen("alice", "example.com") == ["example.com:bar"])
        #expect(chosen("bob", "example.net") == ["example.net:baz"])
        #expect(chosen("carol", "example.org").isEmpty)
        #expect(keys.allKeys.allSatisfy { if case .success = $0.key { true } else { false } })
        // And mail from the president is signed with his key, which dkimpy accepts
        let message = Array("From: President <president@example.com>\r\nTo: bob@example.net\r\nSubject: tables\r\n\r\nHi\r\n".utf8)
        let (signed, outcome) = DKIMMessageSigner.sign(message, keys: keys, at: Date())
        #expect(outcome.signed == ["rsa d=example.com s=foo"] && outcome.problems.isEmpty)
        let president = try keys.keys(localPart: "president", domain: "example.com")[0].key.get()
        #expect(try DKIMTestVerifiers.dkimpy(signed, records: ["foo._domainkey.example.com": president.keyRecord]))
    }

    @Test func signLinesRepeatAndTwoForOneDomainSignTwice() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.rsaKey(at: directory.appendingPathComponent("rsa.pem"), bits: 2048)
        try TestProgram.run([DKIMTestSigner.openssl, "genpkey", "-algorithm", "ed25519",
                             "-out", directory.appendingPathComponent("ed.pem").path])
        let configuration = try configuration("""
            Sign example.com rsa2026 \(directory.path)/rsa.pem
            Sign example.com ed2026 \(directory.path)/ed.pem
            Sign example.net other \(directory.path)/missing.pem
            Canonicalization relaxed/simple
            """)
        #expect(configuration.signLines.count == 3)
        let keys = try configuration.milterFilterSettings(hostName: "mx.example.test").signingKeys
        let chosen = keys.keys(localPart: "alice", domain: "example.com")
        #expect(chosen.map(\.selector) == ["rsa2026", "ed2026"])
        #expect(chosen.compactMap { try? $0.key.get().keyType } == ["rsa", "ed25519"])
        #expect(keys.headerCanonicalization == .relaxed && keys.bodyCanonicalization == .simple)
        // An unreadable key is kept with its reason: the mail goes unsigned, it is not refused.
        let missing = keys.keys(localPart: "bob", domain: "example.net")
        #expect(missing.count == 1)
        guard case .failure(let error) = missing.first?.key else {
            Issue.record("a missing key file must not load")
            return
        }
        #expect(error.reason.contains("missing.pem"))
        // The rendered file gives every Sign line back.
        #expect(configuration.rendered().components(separatedBy: "\nSign ").count == 4)
    }

    @Test func badSigningSettingsAreErrors() throws {
        let parser = ConfigurationParser.parsed("Sign example.com only-two\nCanonicalization loose\n")
        #expect(parser.diagnostics.filter { $0.severity == .error }.count == 2)
        let halfTables = try configuration("KeyTable /etc/opendkim/KeyTable")
        #expect(throws: (any Error).self) { try halfTables.milterFilterSettings(hostName: "mx.example.test") }
    }

    @Test func internalHostsFileReplacesTheLoopbackDefault() throws {
        #expect(try configuration("").milterFilterSettings(hostName: "mx").internalNetworks == MilterFilterSettings.loopback)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("internal-\(UUID().uuidString)").path
        try "192.0.2.0/24\nsubmit.example.com\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try configuration("InternalHosts \(path)").milterFilterSettings(hostName: "mx")
        #expect(settings.internalNetworks.map(\.description) == ["192.0.2.0/24"])
        #expect(settings.internalHostNames == ["submit.example.com"])
    }
}
