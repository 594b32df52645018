import Auth
import DNS
import Foundation
import Logging
import Reporter
import Store
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// Reporting windows, the outbox's states, backoff and the guardrails, on a real SQLite file.
@Suite struct ReportSchedulerTests {
    static let day: TimeInterval = 86_400
    /// 2026-11-20T00:00:00Z, a window start.
    static let dayStart = Date(timeIntervalSince1970: 1_795_132_800)

    // MARK: Windows

    @Test("windows are whole UTC days by default, and an interval must divide a day")
    func dailyWindows() throws {
        let schedule = try ReportSchedule()
        let window = schedule.window(containing: Self.dayStart.addingTimeInterval(13 * 3600 + 5))
        #expect(window == DateInterval(start: Self.dayStart, duration: Self.day))
        #expect(throws: ReportSchedule.Invalid.self) { try ReportSchedule(interval: 7 * 3600) }
        let hourly = try ReportSchedule(interval: 3600)
        #expect(hourly.window(containing: Self.dayStart.addingTimeInterval(5400)).start == Self.dayStart.addingTimeInterval(3600))
    }

    @Test("after downtime every missed window is due, back to back, and the current one only once settled")
    func catchUp() throws {
        let schedule = try ReportSchedule(settleTime: 60)
        let now = Self.dayStart.addingTimeInterval(3 * Self.day + 30)
        let windows = schedule.dueWindows(lastReportedEnd: Self.dayStart, earliestMessage: nil, now: now)
        // The window ending 30 s ago is not settled yet.
        #expect(windows.map(\.start) == [Self.dayStart, Self.dayStart.addingTimeInterval(Self.day)])
        for (earlier, later) in zip(windows, windows.dropFirst()) { #expect(earlier.end == later.start) }
        let settled = schedule.dueWindows(lastReportedEnd: Self.dayStart, earliestMessage: nil, now: now.addingTimeInterval(60))
        #expect(settled.count == 3)
        #expect(schedule.dueWindows(lastReportedEnd: nil, earliestMessage: nil, now: now).isEmpty)
    }

    @Test("the first run starts at the oldest message, at most the lookback before now")
    func firstRun() throws {
        let schedule = try ReportSchedule(settleTime: 60, firstRunLookback: 2 * Self.day)
        let now = Self.dayStart.addingTimeInterval(10 * Self.day + 3600)
        let fromOld = schedule.dueWindows(lastReportedEnd: nil, earliestMessage: Self.dayStart, now: now)
        #expect(fromOld.first?.start == Self.dayStart.addingTimeInterval(8 * Self.day))
        #expect(fromOld.count == 2)
        let recent = schedule.dueWindows(lastReportedEnd: nil, earliestMessage: now.addingTimeInterval(-Self.day), now: now)
        #expect(recent.map(\.start) == [Self.dayStart.addingTimeInterval(9 * Self.day)])
    }

    // MARK: Building

    @Test("each window's reports are built once per policy domain with a rua, valid against the schema")
    func buildOnce() async throws {
        let fixture = try Fixture()
        try fixture.store.record([
            Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com"),
            Fixture.record(at: Self.dayStart.addingTimeInterval(200), domain: "example.com", clientIP: "192.0.2.77"),
            Fixture.record(at: Self.dayStart.addingTimeInterval(300), domain: "example.org"),
            Fixture.record(at: Self.dayStart.addingTimeInterval(400), domain: "norua.example", rua: []),
            Fixture.record(at: Self.dayStart.addingTimeInterval(Self.day + 10), domain: "example.com"),
        ])
        let scheduler = fixture.scheduler()
        let now = Self.dayStart.addingTimeInterval(2 * Self.day + 120)

        let first = await scheduler.runOnce(now: now)
        let second = await scheduler.runOnce(now: now.addingTimeInterval(600))

        #expect(first.built == 3)
        #expect(first.sent == 3)
        #expect(second.built == 0 && second.sent == 0)
        let reports = try fixture.store.outboxReports()
        #expect(reports.map(\.policyDomain).sorted() == ["example.com", "example.com", "example.org"])
        #expect(reports.allSatisfy { $0.state == .sent })
        for report in reports {
            let file = try #require(try fixture.store.outboxReportFile(id: report.id))
            #expect(file.count == report.byteCount)
            let xml = try ReportCompression.gunzip([UInt8](file), maximumSize: 1 << 20)
            try SchemaValidation.validate(xml)
            let parsed = try AggregateReportXMLReader.read(Data(xml))
            #expect(parsed.messageCount == report.messageCount)
            #expect(report.fileName.contains("!\(parsed.metadata.reportID).xml.gz"))
        }
        let firstDay = try #require(reports.first { $0.policyDomain == "example.com" && $0.begin == Self.dayStart })
        #expect(firstDay.messageCount == 2)
        #expect(fixture.transport.sent.count == 3)
        #expect(Set(fixture.transport.sent.map(\.to)) == [["dmarc@example.com"], ["dmarc@example.org"]])
        #expect(try fixture.store.lastReportRun()?.time == now.addingTimeInterval(600))
    }

    @Test("a window already closed is not stored again, as after a crash between build and store")
    func closedWindowStaysClosed() throws {
        let fixture = try Fixture()
        let report = NewOutboxReport(reportID: "1to2", policyDomain: "example.com", fileName: "x", messageCount: 1,
                                     file: Data([1]), destinations: ["mailto:dmarc@example.com"])
        #expect(try fixture.store.closeReportWindow(from: Self.dayStart, to: Self.dayStart.addingTimeInterval(Self.day),
                                                    reports: [report], at: Self.dayStart))
        #expect(try !fixture.store.closeReportWindow(from: Self.dayStart, to: Self.dayStart.addingTimeInterval(Self.day),
                                                     reports: [report], at: Self.dayStart))
        #expect(try fixture.store.outboxReports().count == 1)
    }

    @Test("DSNs (null reverse-path) get no report")
    func noReportAboutDSNs() async throws {
        let fixture = try Fixture()
        var bounce = Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com")
        bounce.mailFromDomain = nil
        try fixture.store.record([bounce, Fixture.record(at: Self.dayStart.addingTimeInterval(200), domain: "example.org")])
        #expect(AggregateReport.Message.exclusion(of: bounce) == .nullReversePath)

        let run = await fixture.scheduler().runOnce(now: Self.dayStart.addingTimeInterval(Self.day + 120))

        #expect(run.built == 1)
        #expect(try fixture.store.outboxReports().map(\.policyDomain) == ["example.org"])
    }

    // MARK: Delivering

    @Test("a temporary failure is retried with doubling delays, then sent exactly once")
    func temporaryFailure() async throws {
        let fixture = try Fixture()
        try fixture.store.record([Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com")])
        let scheduler = fixture.scheduler()
        #expect(scheduler.retryDelay(afterFailures: 1) == 300)
        #expect(scheduler.retryDelay(afterFailures: 3) == 1200)
        #expect(scheduler.retryDelay(afterFailures: 20) == 6 * 3600)
        fixture.transport.failure = TransportError(.temporary, "451 try later")
        let start = Self.dayStart.addingTimeInterval(Self.day + 120)

        await scheduler.runOnce(now: start)
        let retrying = try #require(try fixture.store.outboxReports(state: .retrying).first)
        let delivery = try #require(retrying.deliveries.first)
        #expect(delivery.attempts == 1)
        #expect(delivery.lastError == "451 try later")
        #expect(delivery.nextAttempt == start.addingTimeInterval(300))
        // Not due yet: nothing is tried.
        await scheduler.runOnce(now: start.addingTimeInterval(200))
        #expect(fixture.transport.attempts == 1)
        await scheduler.runOnce(now: start.addingTimeInterval(300))
        #expect(try fixture.store.outboxReport(id: retrying.id)?.deliveries.first?.nextAttempt == start.addingTimeInterval(900))

        fixture.transport.failure = nil
        await scheduler.runOnce(now: start.addingTimeInterval(900))
        await scheduler.runOnce(now: start.addingTimeInterval(5000))

        #expect(fixture.transport.sent.count == 1)
        let sent = try #require(try fixture.store.outboxReport(id: retrying.id))
        #expect(sent.state == .sent)
        #expect(sent.deliveries.first?.attempts == 3)
        #expect(sent.deliveries.first?.sentAt == start.addingTimeInterval(900))
        #expect(try fixture.store.outboxCounts() == [.pending: 0, .sent: 1, .retrying: 0, .failed: 0, .suppressed: 0])
    }

    @Test("temporary failures past the retry time fail the delivery")
    func retryTimeOver() async throws {
        let fixture = try Fixture()
        try fixture.store.record([Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com")])
        var settings = Fixture.settings
        settings.retryTime = 600
        let scheduler = fixture.scheduler(settings)
        fixture.transport.failure = TransportError(.temporary, "connection refused")
        let start = Self.dayStart.addingTimeInterval(Self.day + 120)

        await scheduler.runOnce(now: start)
        await scheduler.runOnce(now: start.addingTimeInterval(300))

        let report = try #require(try fixture.store.outboxReports().first)
        #expect(report.state == .failed)
        #expect(report.deliveries.first?.lastError?.contains("retry time over") == true)
        #expect(try fixture.store.outboxReports(state: .failed).count == 1)
        #expect(try fixture.store.outboxReports(state: .retrying).isEmpty)
    }

    @Test("a permanent refusal fails the delivery and suppresses the destination for later reports")
    func permanentFailure() async throws {
        let fixture = try Fixture()
        try fixture.store.record([
            Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com"),
            Fixture.record(at: Self.dayStart.addingTimeInterval(Self.day + 100), domain: "example.com"),
        ])
        let scheduler = fixture.scheduler()
        fixture.transport.failure = TransportError(.permanent, "550 no such user")

        await scheduler.runOnce(now: Self.dayStart.addingTimeInterval(Self.day + 120))
        fixture.transport.failure = nil
        await scheduler.runOnce(now: Self.dayStart.addingTimeInterval(2 * Self.day + 120))

        let reports = try fixture.store.outboxReports()
        #expect(reports.map(\.state) == [.suppressed, .failed])
        #expect(reports[0].deliveries.first?.lastError?.contains("550 no such user") == true)
        #expect(fixture.transport.attempts == 1)
        #expect(try fixture.store.reportDestinationSuppression("dmarc@example.com",
                                                               at: Self.dayStart.addingTimeInterval(3 * Self.day)) != nil)
    }

    @Test("the daily cap holds deliveries over it until the next UTC day")
    func dailyCap() async throws {
        let fixture = try Fixture()
        try fixture.store.record([
            Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com"),
            Fixture.record(at: Self.dayStart.addingTimeInterval(200), domain: "example.org"),
        ])
        var settings = Fixture.settings
        settings.dailyCap = 1
        let scheduler = fixture.scheduler(settings)
        let now = Self.dayStart.addingTimeInterval(Self.day + 120)

        await scheduler.runOnce(now: now)
        #expect(fixture.transport.sent.count == 1)
        let waiting = try #require(try fixture.store.outboxReports(state: .pending).first)
        #expect(waiting.deliveries.first?.nextAttempt == Self.dayStart.addingTimeInterval(2 * Self.day))

        await scheduler.runOnce(now: Self.dayStart.addingTimeInterval(2 * Self.day + 1))
        #expect(fixture.transport.sent.count == 2)
    }

    @Test("an external destination without authorization gets nothing and the delivery fails with the reason")
    func unauthorizedExternal() async throws {
        let fixture = try Fixture()
        try fixture.store.record([Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com",
                                                 rua: ["mailto:dmarc@example.com", "mailto:agg@outsider.example"])])

        await fixture.scheduler().runOnce(now: Self.dayStart.addingTimeInterval(Self.day + 120))

        let report = try #require(try fixture.store.outboxReports().first)
        #expect(report.state == .sent)
        #expect(report.deliveries.map(\.state) == [.sent, .failed])
        #expect(report.deliveries[1].lastError?.contains("not authorized") == true)
        #expect(fixture.transport.sent.map(\.to) == [["dmarc@example.com"]])
    }

    @Test("finished reports leave the outbox after the retention time, waiting ones stay, windows stay done")
    func retention() async throws {
        let fixture = try Fixture()
        try fixture.store.record([
            Fixture.record(at: Self.dayStart.addingTimeInterval(100), domain: "example.com"),
            Fixture.record(at: Self.dayStart.addingTimeInterval(200), domain: "example.org"),
        ])
        var settings = Fixture.settings
        settings.outboxRetention = 3 * Self.day
        let scheduler = fixture.scheduler(settings)
        fixture.transport.failure = TransportError(.temporary, "451 later")
        await scheduler.runOnce(now: Self.dayStart.addingTimeInterval(Self.day + 120))
        let cutoff = Self.dayStart.addingTimeInterval(Self.day)
        #expect(try fixture.store.expireOutboxReports(olderThan: cutoff) == 0)
        fixture.transport.failure = TransportError(.permanent, "550 gone")
        await scheduler.runOnce(now: Self.dayStart.addingTimeInterval(Self.day + 420))
        #expect(try fixture.store.outboxReports(state: .failed).count == 2)

        let expired = try fixture.store.expireOutboxReports(olderThan: cutoff)
        await scheduler.runOnce(now: Self.dayStart.addingTimeInterval(5 * Self.day + 120))

        #expect(expired == 2)
        #expect(try fixture.store.outboxReports().isEmpty)
        #expect(try fixture.store.lastReportWindowEnd() == Self.dayStart.addingTimeInterval(5 * Self.day))
        #expect(try fixture.store.outboxCounts().values.reduce(0, +) == 0)
    }

    @Test("a window read in pages gives every message once, oldest first, also among equal times")
    func pagedWindow() throws {
        let fixture = try Fixture()
        let times = [0, 5, 5, 5, 9, 86_400].map { Self.dayStart.addingTimeInterval(TimeInterval($0)) }
        try fixture.store.record(times.map { Fixture.record(at: $0, domain: "example.com") })
        var pages: [[Date]] = []

        try fixture.store.evaluations(policyDomain: "example.com", from: Self.dayStart,
                                      to: Self.dayStart.addingTimeInterval(Self.day), pageSize: 2) { records in
            pages.append(records.map(\.time))
        }

        #expect(pages.map(\.count) == [2, 2, 1])
        #expect(pages.flatMap { $0 } == Array(times.dropLast()))
    }

    @Test("listing pages through the outbox newest first")
    func paging() throws {
        let fixture = try Fixture()
        for day in 0..<5 {
            let begin = Self.dayStart.addingTimeInterval(Double(day) * Self.day)
            let report = NewOutboxReport(reportID: "r\(day)", policyDomain: "example.com", fileName: "f\(day)", messageCount: day,
                                         file: Data(repeating: 0, count: day + 1), destinations: ["mailto:a@example.com"])
            try fixture.store.closeReportWindow(from: begin, to: begin.addingTimeInterval(Self.day), reports: [report], at: begin)
        }
        let first = try fixture.store.outboxReports(limit: 2)
        #expect(first.map(\.reportID) == ["r4", "r3"])
        let next = try fixture.store.outboxReports(before: first.last?.id, limit: 2)
        #expect(next.map(\.reportID) == ["r2", "r1"])
        #expect(try fixture.store.outboxReports(state: .pending).count == 5)
        #expect(try fixture.store.outboxReports(state: .sent).isEmpty)
        #expect(try fixture.store.outboxReport(id: first[0].id)?.byteCount == 5)
    }
}

/// A database file under /tmp, a transport that records or fails, and a DNS zone in which
/// example.com and example.org publish their policies.
final class Fixture: Sendable {
    let directory: URL
    let store: HistoryStore
    let transport = RecordingTransport()
    static let zone = """
        _dmarc.example.com. TXT "v=DMARC1; p=reject"
        _dmarc.example.org. TXT "v=DMARC1; p=none"
        """

    static let settings = ReportScheduler.Settings(
        reporter: .init(orgName: "Receiver", email: "dmarc-reports@receiver.example", domain: "receiver.example",
                        generator: "dmarcd test"),
        schedule: try! ReportSchedule(settleTime: 60), dailyCap: nil)

    init() throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("dmarcd-outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try HistoryStore.open(path: directory.appendingPathComponent("dmarcd.sqlite").path)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    func scheduler(_ settings: ReportScheduler.Settings = Fixture.settings) -> ReportScheduler {
        ReportScheduler(settings: settings, store: store, transport: transport, checker: checker(),
                        logger: Logger(label: "test"))
    }

    /// Destination checks against ``zone``.
    func checker() -> ReportDestinationChecker {
        let resolver = try! StaticResolver(zone: Self.zone)
        return ReportDestinationChecker(resolver: resolver, organizationalDomains: DMARCEvaluator(resolver: resolver))
    }

    static func record(at time: Date, domain: String, clientIP: String = "192.0.2.10",
                       rua: [String]? = nil) -> HistoryRecord {
        HistoryRecord(
            time: time, queueID: "Q\(Int(time.timeIntervalSince1970))", clientIP: clientIP, helo: "mail.\(domain)",
            mailFromDomain: domain, recipientDomains: ["receiver.example"], headerFromDomain: domain,
            policyDomain: domain,
            policy: .init(p: .reject, adkim: .relaxed, aspf: .relaxed,
                          aggregateReportURIs: rua ?? ["mailto:dmarc@\(domain)"], discoveryMethod: .treewalk),
            spf: .init(domain: domain, scope: .mfrom, result: "pass"),
            dkim: [.init(domain: domain, selector: "s1", result: "pass", keyBits: 2048)],
            dmarcResult: .pass, spfAligned: true, dkimAligned: true, disposition: .pass)
    }
}

/// Keeps what it is given, or fails as told.
final class RecordingTransport: ReportTransport {
    struct Sent: Sendable {
        var message: [UInt8]
        var to: [String]
    }

    private let state = NIOLockedValueBox<(sent: [Sent], attempts: Int, failure: TransportError?)>(([], 0, nil))

    var sent: [Sent] { state.withLockedValue { $0.sent } }
    var attempts: Int { state.withLockedValue { $0.attempts } }
    var failure: TransportError? {
        get { state.withLockedValue { $0.failure } }
        set { state.withLockedValue { $0.failure = newValue } }
    }

    func send(_ message: [UInt8], from: String, to: [String]) async throws(TransportError) {
        let failure: TransportError? = state.withLockedValue { state in
            state.attempts += 1
            if state.failure == nil { state.sent.append(Sent(message: message, to: to)) }
            return state.failure
        }
        if let failure { throw failure }
    }
}
