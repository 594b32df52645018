import Foundation
import Testing
import TestSupport

/// `dmarcd doctor` as a postmaster runs it: the real binary, a real DNS server (nsd) on
/// 127.0.0.1 and the real postconf reading a throwaway Postfix configuration.
@Suite(.serialized)
final class DoctorCommandTests {
    let server: DNSTestServer
    let directory: URL
    /// Stands in for dmarcd's milter listener.
    let listener: Int32
    let port: UInt16

    init() throws {
        // The parent zone answers NXDOMAIN for `_dmarc.com`, as the real one does; DMARC's tree
        // walk asks it.
        server = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("example.com", records: """
                @      TXT "v=spf1 ip4:192.0.2.0/24 ?all"
                _dmarc TXT "v=DMARC1; p=none"
                """),
        ])
        (listener, port) = try FreePort.listeningTCPSocket()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "smtpd_milters = inet:localhost:\(port)\nmilter_default_action = reject\n"
            .write(to: directory.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
        try "".write(to: directory.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
    }

    deinit {
        close(listener)
        try? FileManager.default.removeItem(at: directory)
    }

    private func doctor(_ arguments: [String]) throws -> TestProgram.Outcome {
        try TestProgram.outcome([BuiltProducts.executable("dmarcd"), "doctor", "--builtin-defaults",
                                 "--set", "Socket=inet:\(port)@127.0.0.1",
                                 "--resolver", "127.0.0.1:\(server.port)", "--postfix-config", directory.path] + arguments)
    }

    @Test("the text output groups findings per domain with why and fix under each, and exits 1 on errors")
    func textOutput() throws {
        let outcome = try doctor(["example.com", "--ip", "198.51.100.7"])
        let text = String(decoding: outcome.output, as: UTF8.self)
        #expect(outcome.status == 1, "\(outcome.errors)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "this host")
        #expect(lines.contains("  ok    smtpd_milters lists dmarcd (inet:127.0.0.1:\(port))  [postfix.smtpd_milters]"), "\(text)")
        #expect(lines.contains("  ok    dmarcd accepts connections on inet:127.0.0.1:\(port)  [postfix.listener]"))
        #expect(lines.contains("  ERROR milter_default_action = reject: while dmarcd is down all mail is refused for good  [postfix.milter_default_action]"))
        #expect(lines.contains("         fix: postconf -e 'milter_default_action = accept' && postfix reload"))
        #expect(lines.contains("example.com"))
        #expect(lines.contains("  WARN  ?all makes mail from any other host neutral  [spf.all]"))
        #expect(lines.contains("         fix: example.com. IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\""))
        #expect(lines.contains("  ERROR 198.51.100.7, an address of this site, gets neutral  [spf.ip]"))
        #expect(lines.contains("         fix: _dmarc.example.com. IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@example.com\""))
        #expect(text.hasSuffix("\n2 errors, 4 warnings\n"), "\(text)")
    }

    @Test("--json prints the same findings as JSON")
    func jsonOutput() throws {
        let outcome = try doctor(["example.com", "--json"])
        #expect(outcome.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output)) as? [String: Any])
        #expect(object["errors"] as? Int == 1)
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.map { $0["domain"] as? String } == [nil, "example.com"])
        let findings = try #require(groups[1]["findings"] as? [[String: Any]])
        let reports = try #require(findings.first { $0["check"] as? String == "dmarc.reports" })
        #expect(reports["level"] as? String == "warn")
        #expect(reports["fix"] as? String == "_dmarc.example.com. IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@example.com\"")
    }

    @Test("no domain named and none in the configuration is a usage error: exit status 64 (EX_USAGE)")
    func usage() throws {
        let outcome = try doctor([])
        #expect(outcome.status == 64)
        #expect(outcome.errors.contains("no domain to check"))
        #expect(try doctor(["example.com", "--ip", "not-an-address"]).status == 64)
        let unknownOption = try doctor(["example.com", "--no-such-option"])
        #expect(unknownOption.status == 64)
        #expect(unknownOption.errors.contains("--no-such-option"))
        #expect(try doctor(["--help"]).status == 0)
    }
}
