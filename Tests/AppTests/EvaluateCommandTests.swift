import Foundation
import Testing
import TestSupport

/// `dmarcd evaluate` as a postmaster runs it: the real binary, a real DNS server (nsd) on
/// 127.0.0.1 serving the sender's records, and messages signed at test time by dkimpy.
@Suite(.serialized)
struct EvaluateCommandTests {
    let signer: DKIMTestSigner
    let key: DKIMTestSigner.Key
    let listKey: DKIMTestSigner.Key
    let server: DNSTestServer
    let directory: URL

    static let message = """
        From: Alice <alice@example.com>
        To: bob@example.net
        Subject: quarterly figures
        Date: Sun, 29 Nov 2026 06:00:00 +0000
        Message-ID: <figures-1@example.com>

        The figures are attached.
        """.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"

    init() throws {
        signer = try DKIMTestSigner()
        key = try signer.rsaKey(bits: 2048)
        listKey = try signer.ed25519Key()
        // The parent zones answer NXDOMAIN for `_dmarc.com` and `_dmarc.org`, as the real ones
        // do; DMARC's tree walk asks them.
        server = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("org", records: ""),
            .init("example.com", records: """
                sel._domainkey TXT \(Self.quotedStrings(key.record()))
                _dmarc         TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
                @              TXT "v=spf1 ip4:192.0.2.0/24 -all"
                """),
            .init("lists.example.org", records: """
                sel._domainkey TXT \(Self.quotedStrings(listKey.record()))
                @              TXT "v=spf1 ip4:198.51.100.0/24 -all"
                """),
        ])
        directory = signer.directory
    }

    /// A TXT value in character-strings of at most 255 bytes.
    static func quotedStrings(_ text: String) -> String {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: 255).map {
            "\"" + String(decoding: bytes[$0..<min($0 + 255, bytes.count)], as: UTF8.self) + "\""
        }.joined(separator: " ")
    }

    private func evaluate(_ message: [UInt8], clientIP: String, mailFrom: String, resolver: String? = nil,
                          settings: [String] = []) throws -> (Int32?, String) {
        let file = directory.appendingPathComponent("message-\(UUID().uuidString).eml")
        try Data(message).write(to: file)
        let log = directory.appendingPathComponent("evaluate-\(UUID().uuidString).txt")
        let process = try ChildProcess(BuiltProducts.executable("dmarcd"), [
            "evaluate", file.path, "--client-ip", clientIP, "--helo", "mail.example.com", "--mail-from", mailFrom,
            "--resolver", resolver ?? "127.0.0.1:\(server.port)", "--builtin-defaults", "--authserv-id", "mx.example.test",
        ] + settings.flatMap { ["--set", $0] }, logFile: log.path)
        #expect(process.waitForExit(timeout: 30))
        return (process.exitCode, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    @Test func alignedSignedMailPassesWithEveryCheckInOneField() throws {
        let signed = try signer.sign(Array(Self.message.utf8), key: key, domain: "example.com")
        let (status, output) = try evaluate(signed, clientIP: "192.0.2.10", mailFrom: "<bounce@example.com>")
        #expect(status == 0)
        let field = try #require(output.split(separator: "\n").first { $0.hasPrefix("Authentication-Results: ") })
        #expect(field.hasPrefix("Authentication-Results: mx.example.test; spf=pass"))
        #expect(field.contains("dkim=pass (2048-bit rsa key) header.d=example.com header.i=@example.com header.s=sel"))
        #expect(field.hasSuffix("dmarc=pass (p=reject dis=none) header.from=example.com"))
        #expect(output.contains("Disposition: none"))
    }

    @Test func listMailSignedByTheListFailsTheAuthorsPolicyAndSaysWhy() throws {
        let signed = try signer.sign(Array(Self.message.utf8), key: listKey, domain: "lists.example.org")
        let (status, output) = try evaluate(signed, clientIP: "198.51.100.20", mailFrom: "<list-bounces@lists.example.org>")
        #expect(status == 0)
        #expect(output.contains("dkim=pass (ed25519 key) header.d=lists.example.org"))
        #expect(output.contains("dmarc=fail (p=reject dis=reject) header.from=example.com"))
        #expect(output.contains("Disposition: reject"))
        #expect(output.contains("lists.example.org"))
        #expect(output.contains("not aligned"), "\(output)")
    }

    /// OpenDKIM 2.11 still passes rsa-sha1, so OpenDMARC 1.4.2 lets such mail align and pass.
    @Test func rsaSHA1SignatureIsRefusedSoItCannotCarryDMARC() throws {
        let signed = try signer.sign(Array(Self.message.utf8), keyFile: key.privateKeyFile, algorithm: "rsa-sha1",
                                     domain: "example.com")
        let (_, output) = try evaluate(signed, clientIP: "203.0.113.5", mailFrom: "<bounce@example.com>")
        #expect(output.contains("dkim=permerror"))
        #expect(output.contains("dmarc=fail (p=reject dis=reject) header.from=example.com"), "\(output)")
    }

    @Test func alteredBodyBreaksTheSignature() throws {
        var signed = try signer.sign(Array(Self.message.utf8), key: key, domain: "example.com")
        signed += Array("P.S. send the money elsewhere.\r\n".utf8)
        let (_, output) = try evaluate(signed, clientIP: "203.0.113.5", mailFrom: "<bounce@example.com>")
        #expect(output.contains("spf=fail"))
        #expect(output.contains("dkim=fail"))
        #expect(output.contains("dmarc=fail (p=reject dis=reject)"))
    }

    @Test func deadDNSGivesTemperrorAndNoDisposition() throws {
        let silent = try SilentDNSServer()
        let signed = try signer.sign(Array(Self.message.utf8), key: key, domain: "example.com")
        let (status, output) = try evaluate(signed, clientIP: "192.0.2.10", mailFrom: "<bounce@example.com>",
                                            resolver: "127.0.0.1:\(silent.port)", settings: ["DNSTimeout=1"])
        #expect(status == 0)
        #expect(output.contains("spf=temperror"))
        #expect(output.contains("dkim=temperror"))
        #expect(output.contains("dmarc=temperror"))
        #expect(output.contains("Disposition: none"))
    }
}
