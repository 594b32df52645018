import Foundation
import Store
import Testing
import TestSupport

/// The running `dmarcd` when what it depends on fails: each test ends with mail flowing, no
/// history record lost beyond the writer's commit window (250 ms, see `HistoryWriter`), and one
/// clear log line about the fault.
///
/// Where each fault of the hardening list is tested:
///
/// | fault | test |
/// |---|---|
/// | DNS server dead | `Tests/E2E/PostfixEndToEndTests.swift` `dnsOutageGivesTemperror` (through Postfix), `Tests/E2E/MiltertestScriptTests.swift` `dnsDown`, `Tests/MilterTests/MilterServerTests.swift` `deadDNSStillAnswersWithTemperrorAndContinue`, `Tests/DNSTests/UnboundResolverTests.swift` `deadIsTimeoutWithinTenPercentOfTheDeadline`, `manyQueriesToADeadServerAllTimeOut`, `Tests/AppTests/EvaluateCommandTests.swift` `deadDNSGivesTemperrorAndNoDisposition` |
/// | DNS server slow (2 s per answer) | here: `aSlowDNSServerWithinTheDeadlineGivesTheVerdict`, `aSlowDNSServerPastTheDeadlineGivesTemperrorAndSaysSo`; the message deadline: `MilterServerTests` `checksThatOutlastTheDeadlineGiveTemperrorAndTheMTAHearsProgressMeanwhile` |
/// | database unwritable | `Tests/AppTests/HistoryDaemonTests.swift` `aReadOnlyDatabaseDirectoryDoesNotStopMailAndTheRecordsArriveWhenWritable`, `aFullDiskDoesNotStopMailAndTheRecordsArriveWhenSpaceReturns` (both need root), `Tests/E2E/StatusPageMetricsTests.swift` `theHealthCheckTurnsUnhealthyWhileTheDatabaseCannotBeWritten`, `Tests/StoreTests/HistoryWriterTests.swift` `whenTheDatabaseCannotBeOpenedRecordsWaitAndArriveOnceItCan` |
/// | database deleted while running | here: `aDatabaseFileDeletedUnderLoadIsCreatedAgainAndLaterMailIsRecordedInIt`; `HistoryWriterTests` `aDatabaseFileDeletedWhileWritingIsCreatedAgainAndLaterRecordsAreInIt`, `aDatabaseFileReplacedWhileWritingIsWrittenToAtItsPath` |
/// | daemon killed | `HistoryDaemonTests` `killingTheDaemonLosesNoRecordOlderThanTheCommitWindow` |
/// | MTA dropping the connection mid-header, mid-body (closed, or reset) | here: `anMTADroppingTheConnectionInTheMiddleOfAMessageLeavesOneLogLineAndNoTrace`; `Tests/MilterTests/MilterSessionTests.swift` `aConnectionClosedInTheMiddleOfAMessageEndsItAndNamesItsLastStep`; a broken frame: `MilterServerTests` `malformedFrameClosesOnlyItsOwnConnection` |
/// | SIGHUP with an invalid configuration | `Tests/AppTests/DaemonReloadTests.swift` `hangupAppliesANewFileToNewConnectionsKeepsOpenOnesAndRefusesABrokenFile` |
/// | report transport hanging | `Tests/ReporterTests/SendmailTransportTests.swift` `timeout` (the command and its child killed, a temporary failure); the retry of a temporary failure: `Tests/ReporterTests/ReportSchedulerTests.swift` `temporaryFailure`, `Tests/ReporterTests/ReportSchedulerEndToEndTests.swift` `recoversExactlyOnce`. Not at the daemon level: the command's timeout is 60 s and not configurable, too long for `make test` |
@Suite(.serialized)
struct DaemonFaultTests {
    let dns: DNSTestServer

    static let message = Array("""
        From: Alice <alice@example.com>
        To: postmaster@mx.example.test
        Subject: faults
        Message-ID: <faults@example.com>

        Hello.

        """.replacingOccurrences(of: "\n", with: "\r\n").utf8)

    init() throws {
        dns = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("example.com", records: """
                _dmarc TXT "v=DMARC1; p=reject"
                @      TXT "v=spf1 ip4:192.0.2.0/24 -all"
                """),
        ])
    }

    private func startDaemon(nameservers: String? = nil, _ extra: [String] = []) throws -> (DaemonUnderTest, Int) {
        let port = Int(try FreePort.udpAndTCP())
        let daemon = try DaemonUnderTest(configuration: [
            "Socket inet:\(port)@127.0.0.1",
            "Nameservers \(nameservers ?? dns.forwarder)",
            "AuthservID mx.example.test",
        ] + extra)
        return (daemon, port)
    }

    private static func envelope(_ queueID: String) -> MilterTestClient.Envelope {
        MilterTestClient.Envelope(clientIP: "192.0.2.10", helo: "mail.example.com", sender: "<bounce@example.com>",
                                  queueID: queueID)
    }

    /// Sends the message over a new connection and returns the final reply's code.
    @discardableResult
    private func send(port: Int, queueID: String) async throws -> Character {
        let client = try MilterTestClient.connect(port: port)
        client.timeout = .seconds(30)
        try await client.negotiate()
        _ = try await client.connectSession(Self.envelope(queueID))
        let replies = try await client.sendMessage(Self.message, envelope: Self.envelope(queueID))
        try await client.quit()
        return Character(UnicodeScalar(replies.last?.code ?? 0))
    }

    private func queueIDs(in path: String) -> [String] {
        (try? HistoryStore.openForReading(path: path).evaluations(limit: 100_000).compactMap(\.queueID)) ?? []
    }

    // MARK: DNS slow

    @Test(.timeLimit(.minutes(1)))
    func aSlowDNSServerWithinTheDeadlineGivesTheVerdict() async throws {
        // Given a name server that answers each query after 2 s, and the default 5 s DNS deadline
        let slow = try DelayingDNSForwarder(upstream: dns.port, delay: .seconds(2))
        let (daemon, port) = try startDaemon(nameservers: slow.forwarder)

        // When a message arrives, it waits for the answers and gets its verdict
        let started = ContinuousClock.now
        #expect(try await send(port: port, queueID: "SLOW1") == "c")
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .seconds(2), "answers came quicker than the server gives them")

        // Then the log has the verdict, and mail flows as before
        let line = daemon.waitForLogLine(containing: "SLOW1:")
        #expect(line?.contains("dmarc=pass") == true, "\(daemon.logTail())")
        print("slow DNS (2 s per answer, 5 s deadline): message answered in \(elapsed)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aSlowDNSServerPastTheDeadlineGivesTemperrorAndSaysSo() async throws {
        // Given a name server that answers each query after 2 s, and a DNS deadline of 1 s
        let slow = try DelayingDNSForwarder(upstream: dns.port, delay: .seconds(2))
        let (daemon, port) = try startDaemon(nameservers: slow.forwarder, ["DNSTimeout 1"])

        // When a message arrives, it is answered without waiting for the server
        let started = ContinuousClock.now
        #expect(try await send(port: port, queueID: "SLOW2") == "c")
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(5))

        // Then the verdict is temperror, the mail goes on (not a 4xx), and the log says why
        let line = daemon.waitForLogLine(containing: "SLOW2:")
        #expect(line?.contains("dmarc=temperror") == true, "\(daemon.logTail())")
        #expect(line?.contains("timed out") == true, "the reason names the timeout: \(line ?? "no line")")
        print("slow DNS (2 s per answer, 1 s deadline): message answered in \(elapsed); \(line ?? "")")
    }

    // MARK: Database deleted

    @Test(.timeLimit(.minutes(1)))
    func aDatabaseFileDeletedUnderLoadIsCreatedAgainAndLaterMailIsRecordedInIt() async throws {
        let (daemon, port) = try startDaemon()
        let database = DaemonUnderTest.databasePath(in: daemon.directory)

        // Given four SMTP sessions delivering mail, and the database file deleted in the middle
        let deletion = Task {
            try await Task.sleep(for: .seconds(1))
            try FileManager.default.removeItem(atPath: database)
            return Date()
        }
        let end = Date().addingTimeInterval(2.5)
        let answered = try await withThrowingTaskGroup(of: [(queueID: String, at: Date, reply: Character)].self) { group in
            for session in 0..<4 {
                group.addTask {
                    var answered: [(queueID: String, at: Date, reply: Character)] = []
                    while Date() < end {
                        let queueID = String(format: "D%dN%04d", session, answered.count)
                        let reply = try await send(port: port, queueID: queueID)
                        answered.append((queueID, Date(), reply))
                    }
                    return answered
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let deletedAt = try await deletion.value

        // Then every message was answered, the log says what happened, and every message
        // answered after the deletion is in the new file
        #expect(answered.allSatisfy { $0.reply == "c" })
        let line = daemon.waitForLogLine(containing: "history database \(database) was deleted while dmarcd ran")
        #expect(line != nil, "\(daemon.logTail())")
        let later = answered.filter { $0.at > deletedAt }.map(\.queueID)
        #expect(later.count > 10)
        var stored: Set<String> = []
        let deadline = Date().addingTimeInterval(5)
        repeat {
            stored = Set(queueIDs(in: database))
            if later.allSatisfy(stored.contains) { break }
            usleep(50_000)
        } while Date() < deadline
        let missing = later.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(later.count) later records missing: \(missing.prefix(5))")

        // And a restart reads the same file
        daemon.stop()
        #expect(Set(queueIDs(in: database)).isSuperset(of: later))
        print("database deleted under load: \(answered.count) messages, \(later.count) after the deletion, "
              + "\(stored.count) in the new file; \(line ?? "")")
    }

    // MARK: MTA dropping the connection

    /// Opens a connection, sends a message as far as `step` and closes the socket without a word,
    /// with a reset when `reset`.
    private func dropConnection(port: Int, queueID: String, after step: String, reset: Bool) async throws {
        let client = try MilterTestClient.connect(port: port)
        if reset { client.resetWhenClosed() }
        try await client.negotiate()
        _ = try await client.connectSession(Self.envelope(queueID))
        try await client.sendMacros(for: "M", ["{mail_addr}": "<bounce@example.com>", "i": queueID])
        try await client.send("M", Array("<bounce@example.com>".utf8) + [0])
        _ = try await client.receive()
        try await client.send("R", Array("<postmaster@mx.example.test>".utf8) + [0])
        try await client.send("L", Array("From".utf8) + [0] + Array(" Alice <alice@example.com>".utf8) + [0])
        if step == "body" {
            try await client.send("L", Array("Subject".utf8) + [0] + Array(" faults".utf8) + [0])
            try await client.send("N")
            try await client.send("B", Array("Hello, this is half of the bo".utf8))
        }
    }

    private static func openDescriptors(_ pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test(.timeLimit(.minutes(1)), arguments: [("header", false), ("body", false), ("body", true)])
    func anMTADroppingTheConnectionInTheMiddleOfAMessageLeavesOneLogLineAndNoTrace(step: String, reset: Bool) async throws {
        let (daemon, port) = try startDaemon()
        try await send(port: port, queueID: "WARMUP")
        let descriptors = Self.openDescriptors(daemon.pid)

        // Given twenty connections closed (or reset) in the middle of a message, at the `step` step
        for index in 0..<20 {
            try await dropConnection(port: port, queueID: "DROP\(index)", after: step, reset: reset)
        }

        // When the next message comes on a new connection, it is answered
        #expect(try await send(port: port, queueID: "AFTER") == "c")
        #expect(daemon.waitForLogLine(containing: "AFTER:") != nil, "\(daemon.logTail())")

        // Then each drop has one line at info level naming the message and the step, and nothing else was logged
        let drops = daemon.log.split(separator: "\n").filter { $0.contains("closed by the MTA") }
        #expect(drops.count == 20, "\(daemon.logTail(40))")
        // A reset throws away what the daemon had not read yet, so the step named may be an earlier one.
        let named = reset ? "after its " : "after its \(step) step"
        #expect(drops.allSatisfy { $0.contains(" info ") && $0.contains(named) }, "\(drops.first ?? "")")
        #expect(drops.first?.contains("DROP0: milter connection from 127.0.0.1:") == true, "\(drops.first ?? "")")
        #expect(!daemon.log.contains("error"), "\(daemon.logTail(40))")

        // And no dropped message is recorded, and the connections' descriptors are gone
        let database = DaemonUnderTest.databasePath(in: daemon.directory)
        let deadline = Date().addingTimeInterval(5)
        while queueIDs(in: database).count < 2 || Self.openDescriptors(daemon.pid) > descriptors, Date() < deadline {
            usleep(50_000)
        }
        #expect(queueIDs(in: database).sorted() == ["AFTER", "WARMUP"])
        #expect(Self.openDescriptors(daemon.pid) <= descriptors)
        print("connections \(reset ? "reset" : "closed") after the \(step) step: \(drops.first ?? "")")
    }
}
