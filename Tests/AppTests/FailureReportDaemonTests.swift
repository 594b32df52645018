import Foundation
import Testing
import TestSupport

/// Failure reports from the running `dmarcd`: a real milter client, a real DNS server (nsd) on
/// 127.0.0.1 with `ruf` in the policy, and a `ReportCommand` that keeps what it is given. Each
/// report is stored in the outbox with one delivery per address, so each address gets its own
/// copy of the same message.
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

    /// Fails with EX_TEMPFAIL the first time, then saves like ``saveScript``.
    static let failOnceScript = """
        #!/bin/sh
        folder=$1
        if [ ! -e "$folder/../failed-once" ]; then
            cat > /dev/null; touch "$folder/../failed-once"; exit 75
        fi
        exec /bin/sh "$folder/../save-report" "$@"
        """

    init() throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("reports"),
                                                withIntermediateDirectories: true)
        try Self.saveScript.write(to: directory.appendingPathComponent("save-report"), atomically: true, encoding: .utf8)
        try Self.failOnceScript.write(to: directory.appendingPathComponent("fail-once"), atomically: true, encoding: .utf8)
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

    private func startDaemon(command: String = "save-report",
                             extra: [String] = []) throws -> (daemon: DaemonUnderTest, port: Int) {
        let port = Int(try FreePort.udpAndTCP())
        let daemon = try DaemonUnderTest(configuration: extra + [
            "Socket inet:\(port)@127.0.0.1",
            "Nameservers \(dns.forwarder)",
            "AuthservID mx.example.test",
            "FailureReports true",
            "FailureReportsSentBy dmarc-reports@mx.example.test",
            "ReportURIsPerDomain 3",
            "ReportCommand /bin/sh \(directory.appendingPathComponent(command).path) "
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

    /// The saved mail grouped by Message-ID: one entry per report, each with the addresses it
    /// was handed over for.
    private var reportsByMessageID: [String: [(text: String, recipients: [String])]] {
        var grouped: [String: [(text: String, recipients: [String])]] = [:]
        for file in reports {
            guard let text = try? String(contentsOf: file, encoding: .utf8),
                  let arguments = try? String(contentsOf: file.deletingPathExtension().appendingPathExtension("args"),
                                              encoding: .utf8),
                  let messageID = text.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("Message-ID: ") })
            else { continue }
            let recipients = arguments.split(separator: "\n").map(String.init).drop { $0 != "--" }.dropFirst()
            grouped[messageID, default: []].append((text, Array(recipients)))
        }
        return grouped
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
        wait(timeout: 10) { reports.count >= 2 && daemon.log.contains("FAIL1: from=example.com: failure report") }
        // The passing message came first; give a report for it time to show up if one were made.
        usleep(300_000)

        let grouped = reportsByMessageID
        #expect(grouped.count == 1, "\(daemon.logTail())")
        let copies = try #require(grouped.values.first)
        #expect(copies.map(\.recipients).sorted { $0.description < $1.description }
                    == [["ruf@example.com"], ["ruf@reports.example.net"]])
        #expect(Set(copies.map(\.text)).count == 1, "every address gets the same bytes")
        let report = try #require(copies.first?.text)
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
        let arguments = try reports.map { file in
            try String(contentsOf: file.deletingPathExtension().appendingPathExtension("args"), encoding: .utf8)
        }
        #expect(arguments.sorted() == ["-f\ndmarc-reports@mx.example.test\n--\nruf@example.com\n",
                                       "-f\ndmarc-reports@mx.example.test\n--\nruf@reports.example.net\n"])
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
        wait(timeout: 20) {
            daemon.log.components(separatedBy: "FLOOD14: from=example.com: no failure report to").count == 3
                && reports.count >= 20
        }
        usleep(300_000)
        #expect(reportsByMessageID.count == 10, "\(daemon.logTail())")
        #expect(reports.count == 20, "each of the ten reports once to each of the two addresses")
        #expect(daemon.log.components(separatedBy: "it had 10 in the last hour").count - 1 == 10)
        let stored = daemon.log.split(separator: "\n").filter { $0.contains(" stored for ruf@example.com, ruf@reports.example.net") }
        for index in 0..<15 {
            #expect(stored.contains { $0.contains("FLOOD\(index): from=example.com: failure report ") } == (index < 10))
        }
    }

    @Test func aReportTheReportCommandFailsToTakeArrivesAfterTheRetry() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        // ReportInterval 2 makes the first retry come after 2 s, as for aggregate reports.
        let (daemon, port) = try startDaemon(command: "fail-once", extra: ["ReportInterval 2"])

        try await send(port: port, queueID: "RETRY1", clientIP: "203.0.113.9")
        wait(timeout: 20) { reports.count >= 2 }

        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("failed-once").path))
        #expect(daemon.log.contains("retried at"), "\(daemon.logTail())")
        let grouped = reportsByMessageID
        #expect(grouped.count == 1, "\(daemon.logTail())")
        #expect(grouped.values.first?.flatMap(\.recipients).sorted() == ["ruf@example.com", "ruf@reports.example.net"])
        #expect(grouped.values.first?.first?.text.contains("Original-Mail-From: <bounce@example.com>") == true)
    }

    @Test func withIncludeMessageTheReportCarriesTheWholeMessage() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let (daemon, port) = try startDaemon(extra: ["FailureReportsIncludeMessage yes"])

        try await send(port: port, queueID: "WHOLE1", clientIP: "203.0.113.9")
        wait(timeout: 10) { reports.count >= 2 }

        let report = try #require(reportsByMessageID.values.first?.first?.text, "\(daemon.logTail())")
        #expect(report.contains("Content-Type: message/rfc822\r\n"))
        #expect(!report.contains("Content-Type: text/rfc822-headers"))
        #expect(report.contains("Subject: failure report test\r\n"))
        #expect(report.contains("\r\n\r\nThe body stays private.\r\n"), "\(report)")
    }
}
