import Foundation
import Testing
import TestSupport

/// The running daemon's "Setup" page: the doctor's checks of the domain of ReportEmail through
/// the daemon's own resolver, here a real nsd on 127.0.0.1.
@Suite(.serialized)
struct SetupPageDaemonTests {
    @Test("the daemon's /api/v1/setup checks the domain of ReportEmail through its resolver")
    func setupOfTheConfiguredDomain() throws {
        let dns = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("example.com", records: """
                @      TXT "v=spf1 ip4:192.0.2.0/24 -all"
                _dmarc TXT "v=DMARC1; p=reject; pct=100; rua=mailto:dmarc@example.com"
                """),
        ])
        let (milterPort, httpPort) = (try FreePort.udpAndTCP(), try FreePort.udpAndTCP())
        let daemon = try DaemonUnderTest(arguments: [
            "run", "--builtin-defaults", "--set", "Nameservers=\(dns.forwarder)",
            "--set", "Socket=inet:\(milterPort)@127.0.0.1", "--set", "HTTPListen=127.0.0.1:\(httpPort)",
            "--set", "ReportEmail=dmarc@example.com",
        ])
        try HTTPTestClient.waitUntilAnswering("http://127.0.0.1:\(httpPort)/healthz")
        let answer = try HTTPTestClient.get("http://127.0.0.1:\(httpPort)/api/v1/setup")
        #expect(answer.status == 200, "\(daemon.logTail())")
        let model = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        let groups = try #require(model["groups"] as? [[String: Any]])
        let domain = try #require(groups.first { $0["domain"] as? String == "example.com" })
        let findings = try #require(domain["findings"] as? [[String: Any]])
        #expect(findings.first { $0["check"] as? String == "spf.record" }?["level"] as? String == "ok")
        #expect(findings.first { $0["check"] as? String == "dmarc.pct" }?["level"] as? String == "warn", "\(findings)")
        _ = daemon.stop()
    }
}
