import Foundation
import Store
import Testing
import TestSupport

/// `/metrics` and `/healthz` of the built dmarcd, after it checked mail through its milter.
@Suite(.serialized)
struct StatusPageMetricsTests {
    static let message = """
        From: News <news@sender.example>\r
        To: postmaster@mx.example.test\r
        Subject: metrics\r
        Message-ID: <metrics@sender.example>\r
        Date: Sun, 29 Nov 2026 10:00:00 +0000\r
        \r
        Hello.\r

        """

    /// Prometheus's own parser (python3-prometheus-client) reads the page; each sample comes
    /// back as `name{label="value",...} value`, labels sorted.
    static func parsedSamples(_ exposition: String) throws -> [String: Double] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            samples = {}
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                    samples[sample.name + ("{" + labels + "}" if labels else "")] = sample.value
            print(json.dumps(samples))
            """
        let output = try TestProgram.run(["/usr/bin/python3", "-c", script], input: Array(exposition.utf8))
        return try JSONDecoder().decode([String: Double].self, from: Data(output))
    }

    @Test func metricsParseAndCountTheCheckedMail() async throws {
        let dns = try DNSTestServer(zones: [DNSTestServer.Zone("example", records: """
            sender       TXT "v=spf1 ip4:192.0.2.0/24 -all"
            _dmarc.sender TXT "v=DMARC1; p=reject"
            """)])
        let httpPort = try FreePort.udpAndTCP()
        let milterPort = try FreePort.udpAndTCP()
        let daemon = try DaemonUnderTest(configuration: [
            "Socket inet:\(milterPort)@127.0.0.1", "HTTPListen 127.0.0.1:\(httpPort)", "Nameservers \(dns.forwarder)",
        ])
        defer { daemon.stop() }
        let base = "http://127.0.0.1:\(httpPort)"
        try HTTPTestClient.waitUntilAnswering(base + "/healthz")
        for (index, clientIP) in ["192.0.2.10", "192.0.2.11", "203.0.113.9"].enumerated() {
            let client = try MilterTestClient.connect(port: Int(milterPort))
            _ = try await client.negotiate()
            let envelope = MilterTestClient.Envelope(clientIP: clientIP, helo: "mail.sender.example",
                                                     sender: "<bounce@sender.example>", queueID: "METRIC\(index)")
            _ = try await client.connectSession(envelope)
            _ = try await client.sendMessage(Array(Self.message.utf8), envelope: envelope)
            try await client.quit()
        }
        #expect(daemon.waitForLogLine(containing: "METRIC2") != nil, "\(daemon.logTail())")

        let answer = try HTTPTestClient.get(base + "/metrics")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let samples = try Self.parsedSamples(answer.body)
        #expect(samples[#"dmarcd_messages_total{disposition="pass",dmarc="pass"}"#] == 2, "\(samples)")
        #expect(samples[#"dmarcd_messages_total{disposition="none",dmarc="fail"}"#] == 1, "\(samples)")
        #expect(samples["dmarcd_verdict_duration_seconds_count"] == 3, "\(samples)")
        #expect((samples[#"dmarcd_dns_queries_total{outcome="answer"}"#] ?? 0) >= 2, "\(samples)")
        #expect(samples["dmarcd_history_queue_capacity"] == 50_000, "\(samples)")
        #expect(samples["dmarcd_healthy"] == 1, "\(samples)")
    }

    @Test(.enabled(if: getuid() == 0, "bind-mounts a directory read-only: needs root"))
    func theHealthCheckTurnsUnhealthyWhileTheDatabaseCannotBeWritten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-health-\(UUID().uuidString)")
        let databaseFolder = folder.appendingPathComponent("db")
        try FileManager.default.createDirectory(at: databaseFolder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let httpPort = try FreePort.udpAndTCP()
        let milterPort = try FreePort.udpAndTCP()
        let daemon = try DaemonUnderTest(configuration: [
            "Socket inet:\(milterPort)@127.0.0.1", "HTTPListen 127.0.0.1:\(httpPort)",
            "DatabasePath \(databaseFolder.appendingPathComponent("history.sqlite").path)",
        ])
        defer { daemon.stop() }
        let health = "http://127.0.0.1:\(httpPort)/healthz"
        try HTTPTestClient.waitUntilAnswering(health)
        #expect(try HTTPTestClient.get(health).status == 200)

        try TestProgram.run(["/bin/mount", "--bind", databaseFolder.path, databaseFolder.path])
        defer { _ = try? TestProgram.run(["/bin/umount", databaseFolder.path]) }
        try TestProgram.run(["/bin/mount", "-o", "remount,bind,ro", databaseFolder.path])
        let unhealthy = try HTTPTestClient.get(health)
        #expect(unhealthy.status == 503)
        #expect(unhealthy.body.contains("history.sqlite is not writable: Read-only file system"), "\(unhealthy.body)")

        try TestProgram.run(["/bin/mount", "-o", "remount,bind,rw", databaseFolder.path])
        #expect(try HTTPTestClient.get(health).status == 200)
    }
}
