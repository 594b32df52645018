import Foundation
import Store
import Testing
import TestSupport

/// `dmarcd report preview`, `run --dry-run`, `run` and `list` on a database with yesterday's
/// messages, with DNS from nsd on 127.0.0.1 and a report command that keeps what it is given.
@Suite(.serialized)
final class AggregateReportCommandTests {
    let directory: URL
    let database: String
    let dns: DNSTestServer

    init() throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("dmarcd-report-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = directory.appendingPathComponent("dmarcd.sqlite").path
        dns = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("example.com", records: #"_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com""#),
        ])
        let store = try HistoryStore.open(path: database)
        let yesterday = Date().addingTimeInterval(-86_400)
        try store.record((0..<3).map { index in
            HistoryRecord(
                time: yesterday.addingTimeInterval(Double(index)), queueID: "Q\(index)", clientIP: "192.0.2.\(index % 2 + 1)",
                helo: "mail.example.com", mailFromDomain: "example.com", recipientDomains: ["receiver.example"],
                headerFromDomain: "example.com", policyDomain: "example.com",
                policy: .init(p: .reject, adkim: .relaxed, aspf: .relaxed, aggregateReportURIs: ["mailto:dmarc@example.com"],
                              discoveryMethod: .treewalk),
                spf: .init(domain: "example.com", scope: .mfrom, result: "pass"),
                dmarcResult: .pass, spfAligned: true, disposition: .pass)
        })
    }

    deinit {
        dns.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// dmarcd with `arguments`, this test's database and name server, and `overrides` last.
    func dmarcd(_ arguments: [String], overrides: [String] = []) throws -> String {
        String(decoding: try TestProgram.run([BuiltProducts.executable("dmarcd")] + arguments + [
            "--builtin-defaults", "--set", "DatabasePath=\(database)", "--set", "Nameservers=\(dns.forwarder)",
            "--set", "ReportEmail=dmarc-reports@receiver.example",
        ] + overrides), as: UTF8.self)
    }

    @Test func previewPrintsTheReportOfYesterdayValidAgainstTheSchema() throws {
        let xml = try dmarcd(["report", "preview", "example.com"])

        #expect(xml.contains("<domain>example.com</domain>"))
        #expect(xml.contains("<count>2</count>") && xml.contains("<count>1</count>"), "\(xml)")
        let file = directory.appendingPathComponent("preview.xml")
        try Data(xml.utf8).write(to: file)
        try TestProgram.run(["/usr/bin/xmllint", "--noout", "--nonet", "--schema",
                             Fixtures.url("reports/rfc9990-dmarc-aggregate-report.xsd").path, file.path])
        #expect(throws: (any Error).self) { try self.dmarcd(["report", "preview", "nothing.example"]) }
    }

    @Test func aReportAddressWhoseDomainCannotNameReportFilesIsRefused() throws {
        let error = #expect(throws: (any Error).self) {
            try self.dmarcd(["report", "preview", "example.com"], overrides: ["--set", "ReportEmail=root@localhost"])
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("ReportEmail root@localhost"))
    }

    @Test func dryRunWritesMessagesAndStoresNothing() throws {
        let folder = directory.appendingPathComponent("dry")

        let output = try dmarcd(["report", "run", "--dry-run", folder.path])

        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        try #require(files.count == 1, "\(output)")
        #expect(files.first?.hasPrefix("receiver.example!example.com!") == true)
        #expect(files.first?.hasSuffix(".eml") == true)
        let message = try String(contentsOf: folder.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(message.contains("To: dmarc@example.com"))
        #expect(try HistoryStore.openForReading(path: database).outboxReports().isEmpty)
    }

    @Test func runSendsOnceAndListShowsTheOutbox() throws {
        let kept = directory.appendingPathComponent("sent.eml")
        let script = directory.appendingPathComponent("keep.sh")
        try "cat > \(kept.path)\n".write(to: script, atomically: true, encoding: .utf8)
        let command = ["--set", "ReportCommand=/bin/sh \(script.path)"]

        let first = try dmarcd(["report", "run"], overrides: command)
        let second = try dmarcd(["report", "run"], overrides: command)
        let list = try dmarcd(["report", "list"])

        #expect(first.contains("1 reports built, 1 deliveries sent"), "\(first)")
        #expect(second.contains("0 reports built, 0 deliveries sent"), "\(second)")
        #expect(try String(contentsOf: kept, encoding: .utf8).contains("Report Domain: example.com"))
        #expect(list.contains("aggregate  example.com") && list.contains("3 messages") && list.contains("sent"), "\(list)")
        #expect(list.contains("mailto:dmarc@example.com  sent  attempts 1"), "\(list)")
        #expect(list.hasPrefix("last run "), "\(list)")
    }
}
