import Foundation
import Testing
import TestSupport

/// The example of the README's "Checking your setup": the example domains of the RFCs and of
/// the shared corpus, served by a real nsd on 127.0.0.1, checked by the real binary. The README
/// shows this output as it is, so the test fails when either changes without the other.
@Suite(.serialized)
struct DoctorCorpusExampleTests {
    static let command = [
        "example.com", "test.example.com", "football.example.com", "example.org", "--ip", "192.0.2.10",
        "--selector", "football.example.com:brisbane",
        "--selector", "football.example.com:test:" + Fixtures.corpus("rfc-examples/rfc8463-A1-rsa-secret.pem").path,
        "--selector", "example.org:brisbane:" + Fixtures.corpus("rfc-examples/rfc6376-C-brisbane.private.pem").path,
        "--no-postfix",
    ]

    let server: DNSTestServer

    /// The TXT data of `name` in a corpus file of `owner data` lines.
    static func keyRecord(_ file: String, _ name: String) throws -> String {
        let text = try Fixtures.text(Fixtures.corpus(file))
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + " ") })
        return DNSTestServer.Zone.quotedStrings(String(line.dropFirst(name.count + 1)))
    }

    init() throws {
        // DKIM keys: RFC 6376 Appendix C (example.org) and RFC 8463 Appendix A.2
        // (football.example.com), as the corpus has them. SPF: RFC 7208 §3's example record.
        // DMARC: RFC 9989 Appendix B.2.3 (example.com, with the third party's authorization of
        // B.2.3 at thirdparty.example.net) and B.2.5 (test.example.com, whose second rua address
        // the third party has not authorized).
        let rfc8463 = "rfc-examples/rfc8463-A2-dns.txt"
        server = try DNSTestServer(zones: [
            .init("com", records: ""), .init("org", records: ""), .init("net", records: ""),
            .init("example.com", records: """
                @                             MX  10 mail.example.com.
                @                             TXT "v=spf1 +mx a:colo.example.com/28 -all"
                mail                          A   192.0.2.10
                colo                          A   192.0.2.65
                _dmarc                        TXT "v=DMARC1; p=none; " "rua=mailto:dmarc-feedback@example.com; " "ruf=mailto:auth-reports@thirdparty.example.net"
                test                          TXT "v=spf1 redirect=example.com"
                _dmarc.test                   TXT "v=DMARC1; p=quarantine; " "rua=mailto:dmarc-feedback@example.com," "mailto:tld-test@thirdparty.example.net; " "t=y"
                football                      TXT "v=spf1 ip4:192.0.2.10 ?all"
                brisbane._domainkey.football  TXT \(try Self.keyRecord(rfc8463, "brisbane._domainkey.football.example.com"))
                test._domainkey.football      TXT \(try Self.keyRecord(rfc8463, "test._domainkey.football.example.com"))
                """),
            .init("example.org", records: """
                brisbane._domainkey           TXT \(try Self.keyRecord("rfc-examples/rfc6376-C-brisbane.dns.txt", "brisbane._domainkey.example.org"))
                """),
            .init("example.net", records: """
                example.com._report._dmarc.thirdparty TXT "v=DMARC1;"
                """),
        ])
    }

    /// The output the README shows: the block after its `$ dmarcd doctor …` line.
    static func readmeOutput() throws -> String {
        let readme = try Fixtures.text(Fixtures.packageRoot.appendingPathComponent("README.md"))
        let start = try #require(readme.range(of: "$ dmarcd doctor example.com"))
        let afterCommand = try #require(readme[start.upperBound...].range(of: "\n\n"))
        let end = try #require(readme[afterCommand.upperBound...].range(of: "\n```"))
        return String(readme[afterCommand.upperBound..<end.lowerBound]) + "\n"
    }

    @Test("the README shows the doctor's output for the corpus's example domains as it is")
    func readmeExample() throws {
        let outcome = try TestProgram.outcome([BuiltProducts.executable("dmarcd"), "doctor", "--builtin-defaults",
                                               "--resolver", "127.0.0.1:\(server.port)"] + Self.command)
        let output = String(decoding: outcome.output, as: UTF8.self)
        #expect(outcome.status == 1, "\(outcome.errors)")
        #expect(try Self.readmeOutput() == output, "the doctor now prints:\n\(output)")
    }
}
