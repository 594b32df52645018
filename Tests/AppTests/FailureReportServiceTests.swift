import Auth
import DNS
import Foundation
import Logging
import Milter
import Reporter
import Store
import NIOConcurrencyHelpers
import Testing
@testable import App

/// The failure report sender on its own, storing into a real SQLite file: offers never wait, a
/// full queue drops with a log line, and only messages the policy asks a report for are queued.
@Suite struct FailureReportServiceTests {
    /// A database file in a fresh temporary directory, removed with it.
    final class Outbox: Sendable {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-ruf-\(UUID().uuidString)")
        let store: HistoryStore

        init() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try HistoryStore.open(path: directory.appendingPathComponent("dmarcd.sqlite").path)
        }

        deinit {
            try? FileManager.default.removeItem(at: directory)
        }

        /// The stored failure reports, oldest first.
        var reports: [OutboxReport] {
            ((try? store.outboxReports()) ?? []).filter { $0.kind == .failure }.reversed()
        }
    }

    /// Keeps every log line.
    struct RecordingLogHandler: LogHandler {
        let log: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.lines.withLockedValue { $0.append("\(event.level): \(event.message)") }
        }
    }

    final class LogLines: Sendable {
        let lines = NIOLockedValueBox<[String]>([])
        var all: [String] { lines.withLockedValue { $0 } }
    }

    static func candidate(queueID: String, result: DMARCResult,
                          record: String = "v=DMARC1; p=reject; ruf=mailto:ruf@example.com") throws -> FailureReportCandidate {
        var dmarc = DMARCOutcome(result: result, disposition: result == .fail ? .reject : .none, authorDomain: "example.com")
        dmarc.record = try DMARCRecord(parsing: record)
        dmarc.policyDomain = "example.com"
        if result == .pass {
            dmarc.dkim = [DMARCIdentifierCheck(mechanism: .dkim(selector: "s"), domain: "example.com", result: .pass,
                                               mode: .relaxed, alignment: .strict)]
        }
        let verdict = MessageVerdict(authservID: "mx.example.test", spf: nil, dkim: [], dmarc: dmarc,
                                     forgedAuthenticationResults: [])
        let evaluation = MessageEvaluation(
            time: Date(), queueID: queueID,
            envelope: .init(clientIP: IPAddress("203.0.113.9"), helo: "mail.example.com", mailFrom: "<a@example.com>"),
            recipientDomains: ["mx.example.test"], verdict: verdict, disposition: .none)
        return FailureReportCandidate(evaluation: evaluation, recipients: ["<postmaster@mx.example.test>"],
                                      headerBlock: Array("From: a@example.com\r\n".utf8))
    }

    static func service(outbox: Outbox, log: LogLines, queueCapacity: Int,
                        perDomainPerDay: Int = 100) throws -> FailureReportService {
        let resolver = try StaticResolver(zone: "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"")
        let settings = FailureReportService.Settings(
            sender: "dmarc-reports@mx.example.test", copyAddresses: [], reporter: "mx.example.test",
            userAgent: "dmarcd/test", policy: FailureReportPolicy(), reportsPerDestinationPerHour: 10,
            reportsPerDomainPerDay: perDomainPerDay, queueCapacity: queueCapacity)
        let logger = Logger(label: "test") { _ in RecordingLogHandler(log: log) }
        return FailureReportService(
            settings: settings, openStore: { [store = outbox.store] in store }, signal: OutboxSignal(),
            destinations: ReportDestinationChecker(resolver: resolver, organizationalDomains: DMARCEvaluator(resolver: resolver)),
            resolver: resolver, logger: logger)
    }

    @Test("a full queue drops reports with a log line; passing mail is never queued")
    func boundedQueue() async throws {
        let outbox = try Outbox()
        let log = LogLines()
        let service = try Self.service(outbox: outbox, log: log, queueCapacity: 2)
        service.offer(try Self.candidate(queueID: "PASS", result: .pass))
        for index in 0..<5 {
            service.offer(try Self.candidate(queueID: "FAIL\(index)", result: .fail))
        }
        #expect(log.all.filter { $0.contains("failure report dropped: 2 reports are waiting") }.count == 3)

        let running = Task { await service.run() }
        let deadline = Date().addingTimeInterval(10)
        while outbox.reports.count < 2, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(100))
        running.cancel()
        await running.value

        let reports = outbox.reports
        #expect(reports.map { $0.deliveries.map(\.destination) } == [["ruf@example.com"], ["ruf@example.com"]])
        #expect(reports.allSatisfy { $0.policyDomain == "example.com" && $0.state == .pending })
        let due = try outbox.store.dueDeliveries(at: Date())
        #expect(due.map(\.sender) == ["dmarc-reports@mx.example.test", "dmarc-reports@mx.example.test"])
        for (queueID, report) in zip(["FAIL0", "FAIL1"], reports) {
            #expect(log.all.contains {
                $0.contains("\(queueID): from=example.com: failure report \(report.reportID) stored for ruf@example.com")
            })
            let message = try #require(try outbox.store.outboxReportFile(id: report.id))
            #expect(String(decoding: message, as: UTF8.self).contains("Message-ID: <\(report.reportID)@mx.example.test>"))
        }
        #expect(!log.all.contains { $0.contains("PASS") })
    }

    @Test("an unusable ruf address or one whose size limit the report passes is skipped; the others still get it")
    func unusableDestinations() async throws {
        let outbox = try Outbox()
        let log = LogLines()
        let service = try Self.service(outbox: outbox, log: log, queueCapacity: 2)
        service.offer(try Self.candidate(
            queueID: "FAIL", result: .fail,
            record: "v=DMARC1; p=reject; ruf=mailto:a%0Ab@example.com,mailto:small@example.com!500,mailto:ruf@example.com"))
        let running = Task { await service.run() }
        let deadline = Date().addingTimeInterval(10)
        while outbox.reports.isEmpty, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        running.cancel()
        await running.value

        #expect(outbox.reports.map { $0.deliveries.map(\.destination) } == [["ruf@example.com"]])
        #expect(log.all.contains { $0.contains("mailto:a%0Ab@example.com: skipped, no usable address") })
        #expect(log.all.contains { $0.contains("mailto:small@example.com!500: skipped, the report mail has") })
    }

    @Test("one policy domain gets at most its daily number of failure reports, the rest are logged")
    func dailyLimitPerDomain() async throws {
        let outbox = try Outbox()
        let log = LogLines()
        let service = try Self.service(outbox: outbox, log: log, queueCapacity: 10, perDomainPerDay: 3)
        for index in 0..<5 {
            service.offer(try Self.candidate(queueID: "FAIL\(index)", result: .fail))
        }
        let running = Task { await service.run() }
        let deadline = Date().addingTimeInterval(10)
        while log.all.filter({ $0.contains("had 3 in the last day") }).count < 2, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        running.cancel()
        await running.value

        #expect(outbox.reports.count == 3)
        #expect(log.all.filter { $0.contains("no failure report: example.com had 3 in the last day") }.count == 2)
    }
}
