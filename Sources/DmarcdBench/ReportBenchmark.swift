import Auth
import DNS
import Foundation
import Logging
import Reporter
import Store

/// Aggregate reports for one day of 1,000,000 evaluated messages from 500 policy domains on a
/// real SQLite file: the time to build every report (query, grouping, XML, gzip) and the size of
/// the XML. OpenDMARC's opendmarc-reports needed 23.6 s and wrote 70 MB of XML for 100,000
/// messages here, one record per message.
enum ReportBenchmark {
    /// The command-line argument that runs this benchmark alone.
    static let argument = "reports"
    static let messages = 1_000_000
    static let domains = 500
    /// 2026-11-20T00:00:00Z.
    static let day = Date(timeIntervalSince1970: 1_795_132_800)

    static func run() async {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try build(path: directory.appendingPathComponent("reports.sqlite").path)
        } catch {
            print("Report benchmark failed: \(error)")
        }
    }

    private static func build(path: String) throws {
        let store = try HistoryStore.open(path: path)
        let batch = 10_000
        for start in stride(from: 0, to: messages, by: batch) {
            try store.record((start..<min(start + batch, messages)).map(record))
        }
        let resolver = StaticResolver()
        let settings = ReportScheduler.Settings(
            reporter: .init(orgName: "Receiver", email: "dmarc-reports@receiver.example", domain: "receiver.example"),
            schedule: try ReportSchedule())
        let scheduler = ReportScheduler(settings: settings, store: store, transport: DiscardingTransport(),
                                        checker: ReportDestinationChecker(resolver: resolver,
                                                                          organizationalDomains: DMARCEvaluator(resolver: resolver)),
                                        logger: Logger(label: "bench"))
        let clock = ContinuousClock()
        var reports: [ReportScheduler.BuiltReport] = []
        let elapsed = try clock.measure {
            reports = try scheduler.buildReports(window: DateInterval(start: day, duration: 86_400))
        }
        // The same messages read from the history alone, without building anything.
        var read = 0
        let reading = try clock.measure {
            for domain in try store.reportingPolicyDomains(from: day, to: day.addingTimeInterval(86_400)) {
                try store.evaluations(policyDomain: domain, from: day, to: day.addingTimeInterval(86_400),
                                      pageSize: 10_000) { read += $0.count }
            }
        }
        let xmlBytes = reports.reduce(0) { $0 + $1.xml.count }
        let gzipBytes = reports.reduce(0) { $0 + $1.gzip.count }
        let rows = reports.reduce(0) { $0 + $1.report.records.count }
        let counted = reports.reduce(0) { $0 + $1.report.messageCount }
        guard reports.count == domains, counted == messages else {
            throw BenchmarkError("\(reports.count) reports covering \(counted) messages")
        }
        print("Reports: \(messages) messages over \(domains) policy domains in one day, \(rows) records")
        Report.figure("Reports: seconds to build all reports (query, group, XML, gzip)", elapsed.seconds, digits: 2)
        Report.figure("Reports: of which seconds reading \(read) messages from the history", reading.seconds, digits: 2)
        Report.figure("Reports: MB of XML", Double(xmlBytes) / 1e6, digits: 1)
        Report.figure("Reports: MB of gzip", Double(gzipBytes) / 1e6, digits: 2)
        // opendmarc-reports, measured at 100,000 messages; its cost grows with the messages
        // (one record each), so 10 times that is its figure here.
        Report.ratio("Reports: opendmarc-reports time (236 s, from 23.6 s per 100k) / dmarcd", 236 / elapsed.seconds)
        Report.ratio("Reports: opendmarc-reports XML (700 MB, from 70 MB per 100k) / dmarcd", 700e6 / Double(xmlBytes))
    }

    /// Message `index`: one of 500 domains, 40 source addresses each, a quarter failing DMARC.
    private static func record(_ index: Int) -> HistoryRecord {
        let domain = "sender\(index % domains).example"
        let pass = index % 4 != 0
        return HistoryRecord(
            time: day.addingTimeInterval(Double(index) * 86_400 / Double(messages)),
            clientIP: "198.51.\(index / domains % 40).\(index % domains % 250 + 1)", helo: "mail.\(domain)",
            mailFromDomain: domain, recipientDomains: ["receiver.example"], headerFromDomain: domain, policyDomain: domain,
            policy: .init(p: .quarantine, adkim: .relaxed, aspf: .relaxed, aggregateReportURIs: ["mailto:dmarc@\(domain)"],
                          discoveryMethod: .treewalk),
            spf: .init(domain: domain, scope: .mfrom, result: pass ? "pass" : "fail"),
            dkim: [.init(domain: domain, selector: "s2026", result: pass ? "pass" : "fail", keyBits: 2048)],
            dmarcResult: pass ? .pass : .fail, spfAligned: pass, dkimAligned: pass,
            requestedDisposition: pass ? .none : .quarantine, disposition: pass ? .pass : .none,
            overrideReason: pass ? nil : .localPolicy)
    }
}

/// Nothing is sent in the benchmark.
private struct DiscardingTransport: ReportTransport {
    func send(_ message: [UInt8], from: String, to: [String]) async throws(TransportError) {}
}
