import Auth
import Foundation
import Testing

@testable import App

/// `dmarcd keygen`: the key file it writes and the DNS record and Sign line it prints.
@Suite struct KeygenCommandTests {
    private static func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-keygen-\(UUID().uuidString)")
    }

    @Test(arguments: [(false, 2048), (false, 4096), (true, 256)])
    func writesAPrivateKeyOnlyItsOwnerReadsAndPrintsItsRecord(ed25519: Bool, bits: Int) throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // When a key is made
        var command = try KeygenCommand.parse(["example.com", "mail2026", "--directory", directory.path,
                                                "--bits", "\(ed25519 ? 2048 : bits)"] + (ed25519 ? ["--ed25519"] : []))
        try command.validate()
        try command.run()
        // Then the file holds it with mode 0600 and reads back as a signing key
        let path = directory.appendingPathComponent("example.com.mail2026.pem").path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let key = try DKIMPrivateKey(contentsOfFile: path)
        #expect(key.bits == bits)
        #expect(key.keyType == (ed25519 ? "ed25519" : "rsa"))
        // And a second run does not replace a key that may be published already
        #expect(throws: (any Error).self) { try command.run() }
    }

    @Test func theRecordIsSplitInStringsOf255BytesThatJoinToTheKeyRecord() throws {
        let key = try DKIMPrivateKey.generate(ed25519: false, bits: 4096)
        let text = KeygenCommand.instructions(domain: "example.com", selector: "sel", key: key, path: "/k.pem")
        let line = try #require(text.split(separator: "\n\n").first { $0.hasPrefix("sel._domainkey.example.com. IN TXT") })
        let strings = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(strings.count == 3)
        #expect(strings.allSatisfy { $0.utf8.count <= 255 })
        #expect(strings.joined() == key.keyRecord)
        #expect(key.keyRecord.hasPrefix("v=DKIM1; k=rsa; p=MII"))
        #expect(text.hasSuffix("Sign example.com sel /k.pem"))
        let short = try DKIMPrivateKey.generate(ed25519: true)
        #expect(KeygenCommand.zoneLine(name: "s._domainkey.example.com.", text: short.keyRecord)
            == "s._domainkey.example.com. IN TXT \"\(short.keyRecord)\"")
    }
}
