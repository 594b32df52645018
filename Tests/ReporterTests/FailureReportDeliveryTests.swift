import Foundation
import Logging
@testable import Reporter
import Store
import Testing

/// Failure reports sent from the outbox by the report scheduler, on a real SQLite file: the
/// stored bytes go out with the stored envelope sender, and a failure is retried, suppressed or
/// kept across a restart like an aggregate report's.
@Suite struct FailureReportDeliveryTests {
    /// 2026-11-20T00:00:00Z.
    static let dayStart = Date(timeIntervalSince1970: 1_795_132_800)
    static let stored = dayStart.addingTimeInterval(3600)

    static let message = Data("""
        From: dmarc-reports@mx.example.test\r
        To: ruf@example.com, ruf@reports.example.net\r
        Message-ID: <1795136400.1.ab@mx.example.test>\r
        \r
        report\r

        """.utf8)

    /// A scheduler that only delivers, as when only `FailureReports` is on.
    static var deliveringOnly: ReportScheduler.Settings {
        var settings = Fixture.settings
        settings.buildsAggregateReports = false
        return settings
    }

    static func storeReport(in store: HistoryStore) throws -> Int64 {
        try store.storeFailureReport(
            NewFailureReport(reportID: "1795136400.1.ab", policyDomain: "example.com",
                             arrivalDate: stored.addingTimeInterval(-1), sender: "dmarc-reports@mx.example.test",
                             message: message, recipients: ["ruf@example.com", "ruf@reports.example.net"]),
            at: stored)
    }

    @Test("each address gets the stored bytes from the stored sender, without a destination check")
    func sentAsStored() async throws {
        let fixture = try Fixture()
        let row = try Self.storeReport(in: fixture.store)

        let run = await fixture.scheduler(Self.deliveringOnly).runOnce(now: Self.stored)

        #expect(run.sent == 2 && run.built == 0)
        #expect(fixture.transport.sent.map(\.to) == [["ruf@example.com"], ["ruf@reports.example.net"]])
        #expect(fixture.transport.sent.allSatisfy { $0.message == [UInt8](Self.message) })
        #expect(try fixture.store.outboxReport(id: row)?.state == .sent)
    }

    @Test("a temporary failure keeps the report in the outbox; a later run sends the same bytes")
    func temporaryFailure() async throws {
        let fixture = try Fixture()
        let row = try Self.storeReport(in: fixture.store)
        let scheduler = fixture.scheduler(Self.deliveringOnly)
        fixture.transport.failure = TransportError(.temporary, "451 4.3.0 try later")

        await scheduler.runOnce(now: Self.stored)
        let retrying = try #require(try fixture.store.outboxReport(id: row))
        #expect(retrying.state == .retrying)
        #expect(retrying.deliveries.map(\.nextAttempt) == [Self.stored.addingTimeInterval(300),
                                                             Self.stored.addingTimeInterval(300)])
        #expect(retrying.deliveries.allSatisfy { $0.lastError == "451 4.3.0 try later" })

        fixture.transport.failure = nil
        await scheduler.runOnce(now: Self.stored.addingTimeInterval(100))
        #expect(fixture.transport.sent.isEmpty, "not due yet")
        await scheduler.runOnce(now: Self.stored.addingTimeInterval(300))

        #expect(fixture.transport.attempts == 4)
        #expect(fixture.transport.sent.count == 2)
        #expect(fixture.transport.sent.allSatisfy { $0.message == [UInt8](Self.message) })
        #expect(try fixture.store.outboxReport(id: row)?.deliveries.map(\.attempts) == [2, 2])
    }

    @Test("a permanent refusal fails the delivery and suppresses the address, also for aggregate reports")
    func permanentFailure() async throws {
        let fixture = try Fixture()
        let row = try Self.storeReport(in: fixture.store)
        let scheduler = fixture.scheduler()
        fixture.transport.failure = TransportError(.permanent, "550 5.1.1 no such user")

        await scheduler.runOnce(now: Self.stored)
        fixture.transport.failure = nil
        try fixture.store.record([Fixture.record(at: Self.stored, domain: "example.com", rua: ["mailto:ruf@example.com"])])
        await scheduler.runOnce(now: Self.dayStart.addingTimeInterval(86_400 + 120))

        #expect(try fixture.store.outboxReport(id: row)?.deliveries.map(\.state) == [.failed, .failed])
        let suppression = try fixture.store.reportDestinationSuppression("ruf@example.com", at: Self.stored)
        #expect(suppression?.reason == "550 5.1.1 no such user")
        let aggregate = try #require(try fixture.store.outboxReports().first { $0.kind == .aggregate })
        #expect(aggregate.deliveries.map(\.state) == [.suppressed], "ruf@example.com was suppressed by the failure report")
    }

    @Test("after a restart, a new scheduler over the same file sends what is due")
    func restart() async throws {
        let fixture = try Fixture()
        let row = try Self.storeReport(in: fixture.store)
        fixture.transport.failure = TransportError(.temporary, "connection refused")
        await fixture.scheduler(Self.deliveringOnly).runOnce(now: Self.stored)

        let reopened = try HistoryStore.open(path: fixture.store.path)
        let transport = RecordingTransport()
        let scheduler = ReportScheduler(settings: Self.deliveringOnly, store: reopened, transport: transport,
                                        checker: fixture.checker(), logger: Logger(label: "test"))
        await scheduler.runOnce(now: Self.stored.addingTimeInterval(600))

        #expect(transport.sent.map(\.to) == [["ruf@example.com"], ["ruf@reports.example.net"]])
        #expect(transport.sent.allSatisfy { $0.message == [UInt8](Self.message) })
        #expect(try reopened.outboxReport(id: row)?.state == .sent)
    }

    @Test("a raised signal ends the scheduler's pause at once")
    func signalEndsThePause() async throws {
        let signal = OutboxSignal()
        signal.raise()
        let clock = ContinuousClock()
        let started = clock.now
        await signal.wait(atMost: .seconds(30))
        #expect(clock.now - started < .seconds(1))
    }
}
