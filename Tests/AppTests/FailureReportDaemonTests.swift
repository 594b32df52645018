import Foundation
import Testing
import TestSupport

/// Failure reports from the running `dmarcd`: a real milter client, a real DNS server (nsd) on
/// 127.0.0.1 with `ruf` in the policy, and a `ReportCommand` that keeps what it is given.
@Suite(.serialized)
struct FailureReportDaemonTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-ruf-\(UUID().uuidString)")
    let dns: DNSTestServer

    static let message = """
        From: Alice <alice@example.com>
        To: postmaster@mx.example.test
        Subject: failure report test
        Message-ID: <ruf@example.com>

        The body stays private.
        """.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"

    /// Saves each report and its arguments under the folder given as first argument; a file
    /// appears under its final name only once complete.
    static let saveScript = """
        #!/bin/sh
        folder=$1; shift
        name="$folder/report-$$"
        printf '%s\\n' "$@" > "$name.args.tmp" && cat > "$name.eml.tmp" || exit 75
        mv "$name.args.tmp" "$name.args" && mv "$name.eml.tmp" "$name.eml"
        """

    init() throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("reports"),
                                                withIntermediateDirectories: true)
        try Self.saveScript.write(to: directory.appendingPathComponent("save-report"), atomically: true, encoding: .utf8)
        // ruf@example.com is inside the policy's organization; reports.example.net confirms it
        // takes example.com's reports (RFC 9991 §5); unverified.example.org does not.
        dns = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("net", records: ""),
            .init("org", records: ""),
            .init("example.com", records: """
                _dmarc TXT "v=DMARC1; p=reject; ruf=mailto:ruf@example.com,mailto:ruf@reports.example.net,mailto:ruf@unverified.example.org"
                @      TXT "v=spf1 ip4:192.0.2.0/24 -all"
                """),
            .init("example.net", records: """
                example.com._report._dmarc.reports TXT "v=DMARC1;"
                """),
            .init("example.org", records: ""),
        ])
    }

    private func startDaemon() throws -> (daemon: DaemonUnderTest, port: Int) {
        let port = Int(try FreePort.udpAndTCP())
        let daemon = try DaemonUnderTest(configuration: [
            "Socket inet:\(port)@127.0.0.1",
            "Nameservers \(dns.forwarder)",
            "AuthservID mx.example.test",
            "FailureReports true",
            "FailureReportsSentBy dmarc-reports@mx.example.test",
            "ReportURIsPerDomain 3",
            "ReportCommand /bin/sh \(directory.appendingPathComponent("save-report").path) "
                + directory.appendingPathComponent("reports").path,
        ])
        return (daemon, port)
    }

    private func send(port: Int, queueID: String, clientIP: String) async throws {
        let client = try MilterTestClient.connect(port: port)
        try await client.negotiate()
        let envelope = MilterTestClient.Envelope(clientIP: clientIP, helo: "mail.example.com",
                                                 sender: "<bounce@example.com>", queueID: queueID)
        _ = try await client.connectSession(envelope)
        _ = try await client.sendMessage(Array(Self.message.utf8), envelope: envelope)
        try await client.quit()
    }

    private var reports: [URL] {
        let folder = directory.appendingPathComponent("reports")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Waits until `condition` holds or `timeout` passes.
    private func wait(timeout: TimeInterval, until condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(), Date() < deadline { usleep(50_000) }
    }

    @Test func aFailingMessageGetsOneReportWithTheFieldsRFC9991AsksForAndAPassingOneNone() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (daemon, port) = try startDaemon()

        try await send(port: port, queueID: "PASS1", clientIP: "192.0.2.10")
        try await send(port: port, queueID: "FAIL1", clientIP: "203.0.113.9")
        wait(timeout: 10) { reports.count >= 1 && daemon.log.contains("FAIL1: from=example.com: failure report sent") }
        // The passing message came first; give a report for it time to show up if one were made.
        usleep(300_000)

        let files = reports
        #expect(files.count == 1, "\(daemon.logTail())")
        let file = try #require(files.first)
        let report = try String(contentsOf: file, encoding: .utf8)
        for field in [
            "Content-Type: multipart/report; report-type=feedback-report;",
            "From: dmarc-reports@mx.example.test",
            "To: ruf@example.com, ruf@reports.example.net",
            "Auto-Submitted: auto-generated",
            "Content-Type: message/feedback-report",
            "Feedback-Type: auth-failure",
            "Version: 1",
            "Original-Mail-From: <bounce@example.com>",
            "Original-Rcpt-To: <postmaster@mx.example.test>",
            "Source-IP: 203.0.113.9",
            "Reported-Domain: example.com",
            "Authentication-Results: mx.example.test; dmarc=fail (p=reject dis=reject) header.from=example.com",
            "Auth-Failure: dmarc",
            "Identity-Alignment: dkim, spf",
            "SPF-DNS: txt : example.com : \"v=spf1 ip4:192.0.2.0/24 -all\"",
            "Delivery-Result: delivered",
            "Content-Type: text/rfc822-headers",
            "Subject: failure report test",
        ] {
            #expect(report.contains(field), "missing \(field) in\n\(report)")
        }
        #expect(!report.contains("The body stays private."))
        #expect(report.contains("\r\n") && !report.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let arguments = try String(contentsOf: file.deletingPathExtension().appendingPathExtension("args"), encoding: .utf8)
        #expect(arguments == "-f\ndmarc-reports@mx.example.test\n--\nruf@example.com\nruf@reports.example.net\n")
        #expect(daemon.log.contains("ruf@unverified.example.org: skipped, external destination not authorized"),
                "\(daemon.logTail())")
    }

    @Test func aFloodOfFailuresIsRateLimitedPerDestination() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (daemon, port) = try startDaemon()

        for index in 0..<15 {
            try await send(port: port, queueID: "FLOOD\(index)", clientIP: "203.0.113.9")
        }
        // Ten reports per destination and hour; the last five messages find both destinations used up.
        wait(timeout: 20) { daemon.log.components(separatedBy: "FLOOD14: from=example.com: no failure report to").count == 3 }
        #expect(reports.count == 10, "\(daemon.logTail())")
        #expect(daemon.log.components(separatedBy: "it had 10 in the last hour").count - 1 == 10)
        for index in 0..<15 {
            #expect(daemon.log.contains("FLOOD\(index): from=example.com: failure report sent") == (index < 10))
        }
    }
}
