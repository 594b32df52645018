import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// The daemon's report scheduler against a real Postfix on 127.0.0.1 and a real name server
/// (nsd): reports for two policy domains reach the mailbox, a destination that did not authorize
/// reports gets none, and a failing transport delivers each report exactly once after it
/// recovers, also across `kill -9`.
///
/// The history is written into the daemon's database before it starts, a few seconds back, and
/// the daemon reports in 2-second windows so that they are due at once.
@Suite(.serialized)
struct ReportSchedulerEndToEndTests {
    static let mailbox = "dmarc@e2e.example"

    /// alpha and beta authorize e2e.example to take their reports; gamma does not.
    static func nameServer() throws -> DNSTestServer {
        try DNSTestServer(zones: [
            .init("example", records: """
                _dmarc.alpha TXT "v=DMARC1; p=reject; rua=mailto:\(mailbox)"
                _dmarc.beta  TXT "v=DMARC1; p=none; rua=mailto:\(mailbox)"
                _dmarc.gamma TXT "v=DMARC1; p=none; rua=mailto:\(mailbox)"
                alpha.example._report._dmarc.e2e TXT "v=DMARC1;"
                beta.example._report._dmarc.e2e  TXT "v=DMARC1;"
                """),
        ])
    }

    /// A database in a fresh folder under /tmp with messages for `domains` evaluated seconds ago.
    static func history(domains: [String]) throws -> (directory: URL, path: String) {
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("dmarcd-report-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("dmarcd.sqlite").path
        let store = try HistoryStore.open(path: path)
        let now = Date()
        var records: [HistoryRecord] = []
        for (offset, domain) in domains.enumerated() {
            records.append(Fixture.record(at: now.addingTimeInterval(-8 + Double(offset) * 0.1), domain: domain,
                                          rua: ["mailto:\(mailbox)"]))
        }
        try store.record(records)
        return (directory, path)
    }

    static func daemonConfiguration(database: String, dns: DNSTestServer, transport: [String]) throws -> [String] {
        [
            "Socket inet:\(try FreePort.udpAndTCP())@127.0.0.1",
            "DatabasePath \(database)",
            "Nameservers \(dns.forwarder)",
            "AggregateReports true",
            "ReportInterval 2",
            "ReportEmail dmarc-reports@receiver.example",
            "ReportingOrganization Receiver",
            "LogLevel debug",
        ] + transport
    }

    /// Waits until no delivery is pending or retrying any more.
    static func waitForOutbox(_ path: String, timeout: TimeInterval = 30,
                              until done: ([OutboxReport]) -> Bool) throws -> [OutboxReport] {
        let store = try HistoryStore.openForReading(path: path)
        let deadline = Date().addingTimeInterval(timeout)
        var reports: [OutboxReport] = []
        repeat {
            reports = (try? store.outboxReports()) ?? []
            if done(reports) { return reports }
            usleep(200_000)
        } while Date() < deadline
        return reports
    }

    /// The delivered messages whose text contains `marker`.
    static func delivered(_ postfix: PostfixTestServer, containing marker: String) -> [String] {
        let folder = postfix.mailbox.appendingPathComponent("new")
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.filter { $0.contains(marker) }
    }

    @Test("the scheduler delivers reports for two policy domains over SMTP; the unauthorized one gets none")
    func deliversOverSMTP() throws {
        let dns = try Self.nameServer()
        defer { dns.stop() }
        let postfix = try PostfixTestServer(listeners: ["reports": ""])
        defer { postfix.stop() }
        let history = try Self.history(domains: ["alpha.example", "alpha.example", "beta.example", "gamma.example"])
        defer { try? FileManager.default.removeItem(at: history.directory) }
        let daemon = try DaemonUnderTest(configuration: try Self.daemonConfiguration(
            database: history.path, dns: dns,
            transport: ["ReportSMTPHost 127.0.0.1:\(postfix.port("reports"))", "ReportSMTPTLS none"]))
        defer { _ = daemon.stop() }

        let reports = try Self.waitForOutbox(history.path) { reports in
            Set(reports.map(\.policyDomain)) == ["alpha.example", "beta.example", "gamma.example"]
                && reports.allSatisfy { $0.state != .pending && $0.state != .retrying }
        }

        #expect(Set(reports.map(\.policyDomain)) == ["alpha.example", "beta.example", "gamma.example"],
                "\(daemon.logTail())")
        for report in reports {
            let expected = report.policyDomain == "gamma.example" ? OutboxReport.State.failed : .sent
            #expect(report.state == expected, "\(report)")
            let file = try #require(try HistoryStore.openForReading(path: history.path).outboxReportFile(id: report.id))
            try SchemaValidation.validate(try ReportCompression.gunzip([UInt8](file), maximumSize: 1 << 20))
            let marker = "Report Domain: \(report.policyDomain)"
            if report.state == .sent {
                let message = try postfix.waitForDelivery(containing: report.fileName)
                #expect(message.contains(marker))
                #expect(message.contains("Report-ID: \(report.reportID)"))
            }
        }
        #expect(reports.first { $0.policyDomain == "gamma.example" }?.deliveries.first?.lastError?
            .contains("not authorized") == true)
        #expect(Self.delivered(postfix, containing: "Report Domain: gamma.example").isEmpty)
        let alphaMessages = reports.filter { $0.policyDomain == "alpha.example" }.reduce(0) { $0 + $1.messageCount }
        #expect(alphaMessages == 2)
    }

    @Test("with the transport failing, each report is sent once it recovers, exactly once, also after kill -9")
    func recoversExactlyOnce() throws {
        let dns = try Self.nameServer()
        defer { dns.stop() }
        let postfix = try PostfixTestServer(listeners: ["reports": ""])
        defer { postfix.stop() }
        let history = try Self.history(domains: ["alpha.example", "beta.example"])
        defer { try? FileManager.default.removeItem(at: history.directory) }
        // The transport fails as a sendmail command does while the mail system is down
        // (EX_TEMPFAIL) as long as the flag file exists; then it hands mail to Postfix.
        let flag = history.directory.appendingPathComponent("mail-system-down").path
        try Data().write(to: URL(fileURLWithPath: flag))
        let script = history.directory.appendingPathComponent("sendmail.sh")
        try """
            if [ -e \(flag) ]; then echo "mail system down" >&2; exit 75; fi
            exec /usr/sbin/sendmail -C \(postfix.configurationPath) -oi "$@"
            """.write(to: script, atomically: true, encoding: .utf8)
        let configuration = try Self.daemonConfiguration(database: history.path, dns: dns,
                                                         transport: ["ReportCommand /bin/sh \(script.path)"])

        let failing = try DaemonUnderTest(configuration: configuration)
        let retrying = try Self.waitForOutbox(history.path) { reports in
            reports.count == 2 && reports.allSatisfy { $0.deliveries.first?.attempts ?? 0 >= 2 }
        }
        failing.send(SIGKILL)
        #expect(failing.waitForExit(timeout: 10))
        #expect(retrying.count == 2, "\(failing.logTail())")
        #expect(retrying.allSatisfy { $0.state == .retrying })
        #expect(retrying.first?.deliveries.first?.lastError?.contains("mail system down") == true)
        #expect(Self.delivered(postfix, containing: "Report Domain:").isEmpty)

        try FileManager.default.removeItem(atPath: flag)
        let restarted = try DaemonUnderTest(configuration: configuration)
        defer { _ = restarted.stop() }
        for report in retrying {
            _ = try postfix.waitForDelivery(containing: report.fileName, timeout: 30)
        }
        // Time for any second delivery to show up.
        sleep(4)

        let reports = try Self.waitForOutbox(history.path) { $0.allSatisfy { $0.state == .sent } }
        #expect(reports.map(\.reportID) == retrying.map(\.reportID))
        #expect(reports.map(\.id) == retrying.map(\.id))
        for report in reports {
            #expect(report.state == .sent, "\(restarted.logTail())")
            #expect(Self.delivered(postfix, containing: report.fileName).count == 1)
        }
    }
}
