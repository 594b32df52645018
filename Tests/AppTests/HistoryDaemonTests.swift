import Foundation
import Store
import Testing
import TestSupport

/// The history as the running `dmarcd` writes it: the real binary fed by a milter client, a real
/// DNS server (nsd) on 127.0.0.1 and a real SQLite file, including when the file cannot be
/// written and when the daemon is killed.
@Suite(.serialized)
struct HistoryDaemonTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-history-\(UUID().uuidString)")
    let dns: DNSTestServer

    /// The writer's documented bound (HistoryWriter): a record is committed within one commit
    /// interval (250 ms) plus the commit itself; this leaves the commit 250 ms.
    static let commitWindow: TimeInterval = 0.5

    static let message = """
        From: Alice <alice@example.com>
        To: postmaster@mx.example.test
        Subject: history
        Message-ID: <history@example.com>

        Hello.
        """.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        dns = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("example.com", records: """
                _dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
                @      TXT "v=spf1 ip4:192.0.2.0/24 -all"
                """),
        ])
    }

    private struct Daemon {
        let process: ChildProcess
        let log: URL
        let port: Int

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    private func startDaemon(database: String) throws -> Daemon {
        let port = Int(try FreePort.udpAndTCP())
        let log = directory.appendingPathComponent("dmarcd-\(UUID().uuidString).log")
        let process = try ChildProcess(BuiltProducts.executable("dmarcd"), [
            "run", "--builtin-defaults", "--set", "Nameservers=\(dns.forwarder)",
            "--set", "Socket=inet:\(port)@127.0.0.1", "--set", "DatabasePath=\(database)",
            "--set", "AuthservID=mx.example.test",
        ], logFile: log.path)
        let daemon = Daemon(process: process, log: log, port: port)
        let deadline = Date().addingTimeInterval(15)
        while !daemon.output.contains("history database"), Date() < deadline, process.isRunning {
            usleep(20_000)
        }
        try #require(daemon.output.contains("history database"), "\(daemon.output)")
        return daemon
    }

    /// Sends one message over a new milter connection and returns the final reply's code.
    @discardableResult
    private func send(to daemon: Daemon, queueID: String, clientIP: String = "192.0.2.10") async throws -> UInt8 {
        let client = try MilterTestClient.connect(port: daemon.port)
        try await client.negotiate()
        let envelope = MilterTestClient.Envelope(clientIP: clientIP, helo: "mail.example.com",
                                                 sender: "<bounce@example.com>", queueID: queueID)
        _ = try await client.connectSession(envelope)
        let replies = try await client.sendMessage(Array(Self.message.utf8), envelope: envelope)
        try await client.quit()
        return replies.last?.code ?? 0
    }

    private func waitFor(_ count: Int, in path: String, timeout: TimeInterval) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var found = 0
        while Date() < deadline {
            found = (try? HistoryStore.openForReading(path: path).evaluationCount()) ?? 0
            if found >= count { return found }
            usleep(50_000)
        }
        return found
    }

    @Test func messagesCheckedByTheRunningDaemonAreQueryableWhileItRuns() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("var/dmarcd.sqlite").path
        let daemon = try startDaemon(database: database)
        defer { daemon.process.stop() }

        for index in 0..<10 { try await send(to: daemon, queueID: "PASS\(index)") }
        for index in 0..<5 { try await send(to: daemon, queueID: "FAIL\(index)", clientIP: "203.0.113.9") }

        #expect(try waitFor(15, in: database, timeout: 5) == 15)
        let store = try HistoryStore.openForReading(path: database)
        let failed = try store.evaluations(HistoryFilter(result: .fail))
        #expect(failed.map(\.queueID) == (0..<5).reversed().map { "FAIL\($0)" })
        let record = try #require(failed.first)
        #expect(record.clientIP == "203.0.113.9" && record.headerFromDomain == "example.com")
        #expect(record.policyDomain == "example.com" && record.policy?.p == .reject)
        #expect(record.policy?.discoveryMethod == .treewalk)
        #expect(record.spf?.result == "fail" && record.requestedDisposition == .reject)
        #expect(record.disposition == .none && record.overrideReason == .localPolicy)
        #expect(record.recipientDomains == ["mx.example.test"])

        // A postmaster reads the same from the terminal.
        let output = String(decoding: try TestProgram.run([
            BuiltProducts.executable("dmarcd"), "history", "--builtin-defaults", "--set", "DatabasePath=\(database)",
            "--domain", "example.com", "--result", "pass", "--since", "1h", "--limit", "3",
        ]), as: UTF8.self)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 3, "\(output)")
        #expect(lines.first?.contains("PASS9  192.0.2.10  example.com  dmarc=pass (p=reject)  pass  spf=pass example.com") == true,
                "\(output)")
    }

    @Test func killingTheDaemonLosesNoRecordOlderThanTheCommitWindow() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("dmarcd.sqlite").path
        let daemon = try startDaemon(database: database)
        defer { daemon.process.stop() }

        // Given eight SMTP sessions delivering messages for four seconds
        let end = Date().addingTimeInterval(4)
        let answered = try await withThrowingTaskGroup(of: [(queueID: String, at: Date)].self) { group in
            for session in 0..<8 {
                group.addTask {
                    var answered: [(queueID: String, at: Date)] = []
                    while Date() < end {
                        let queueID = String(format: "K%dN%05d", session, answered.count)
                        try await send(to: daemon, queueID: queueID)
                        answered.append((queueID, Date()))
                    }
                    return answered
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        // When the daemon is killed without warning
        let killedAt = Date()
        daemon.process.send(SIGKILL)
        #expect(daemon.process.waitForExit(timeout: 5))

        // Then every message answered more than one commit window earlier is in the database
        let stored = Set(try HistoryStore.open(path: database).evaluations(limit: 1_000_000).compactMap(\.queueID))
        let old = answered.filter { killedAt.timeIntervalSince($0.at) > Self.commitWindow }
        let missing = old.filter { !stored.contains($0.queueID) }
        #expect(old.count > 50)
        #expect(missing.isEmpty, "\(missing.count) of \(old.count) old records lost: \(missing.prefix(5).map(\.queueID))")
        let recent = answered.filter { killedAt.timeIntervalSince($0.at) <= Self.commitWindow }
        print("kill -9 after \(answered.count) messages: \(stored.count) stored; of the \(recent.count) answered "
              + "within \(Self.commitWindow) s of the kill, \(recent.filter { !stored.contains($0.queueID) }.count) lost")
    }

    @Test func importingOpenDMARCsHistoryTwiceAddsItsRecordsOnce() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("dmarcd.sqlite").path
        let history = Fixtures.url("opendmarc-history/opendmarc-1.4.2.dat").path
        func importHistory(_ file: String) throws -> (Int32?, String) {
            let log = directory.appendingPathComponent("import-\(UUID().uuidString).txt")
            let process = try ChildProcess(BuiltProducts.executable("dmarcd"), [
                "import-opendmarc-history", "--builtin-defaults", "--set", "DatabasePath=\(database)", file,
            ], logFile: log.path)
            #expect(process.waitForExit(timeout: 30))
            return (process.exitCode, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }

        #expect(try importHistory(history) == (0, "6 records imported, 0 already present, 0 skipped\n"))
        #expect(try importHistory(history) == (0, "0 records imported, 6 already present, 0 skipped\n"))

        let broken = directory.appendingPathComponent("broken.dat")
        try "job X1\nreceived soon\npolicy 15\naction 2\n".write(to: broken, atomically: true, encoding: .utf8)
        let (status, output) = try importHistory(broken.path)
        #expect(status == 1)
        #expect(output.contains("\(broken.path):1: record without a received line")
                || output.contains("\(broken.path):2: received \"soon\" is not a number"), "\(output)")
        #expect(try HistoryStore.openForReading(path: database).evaluationCount() == 6)
    }

    /// A file system of its own, so that the test can fill it and make it read-only; needs root.
    private func mount(_ arguments: [String]) throws {
        try TestProgram.run(["/bin/mount"] + arguments)
    }

    @Test(.enabled(if: getuid() == 0, "mounts a small tmpfs: needs root"))
    func aFullDiskDoesNotStopMailAndTheRecordsArriveWhenSpaceReturns() async throws {
        let mountPoint = directory.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try mount(["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint.path])
        defer {
            _ = try? TestProgram.run(["/bin/umount", mountPoint.path])
            try? FileManager.default.removeItem(at: directory)
        }
        let database = mountPoint.appendingPathComponent("dmarcd.sqlite").path
        let daemon = try startDaemon(database: database)
        defer { daemon.process.stop() }
        try await send(to: daemon, queueID: "BEFORE")
        #expect(try waitFor(1, in: database, timeout: 5) == 1)

        // Given a full disk
        let filler = mountPoint.appendingPathComponent("filler").path
        _ = try? TestProgram.run(["/bin/dd", "if=/dev/zero", "of=\(filler)", "bs=64k"])

        // When 200 messages arrive, every one is answered
        let replies = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for session in 0..<8 {
                group.addTask {
                    var replies: [UInt8] = []
                    for index in 0..<25 { replies.append(try await send(to: daemon, queueID: "FULL\(session)N\(index)")) }
                    return replies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(replies.count == 200 && replies.allSatisfy { $0 == UInt8(ascii: "c") || $0 == UInt8(ascii: "a") })
        let deadline = Date().addingTimeInterval(5)
        while !daemon.output.contains("history database cannot be written"), Date() < deadline { usleep(50_000) }
        #expect(daemon.output.contains("history database cannot be written"), "\(daemon.output)")

        // Then once space returns, the waiting records are written
        try FileManager.default.removeItem(atPath: filler)
        #expect(try waitFor(201, in: database, timeout: 10) == 201)
        #expect(daemon.output.contains("history database written again"))
    }

    @Test(.enabled(if: getuid() == 0, "bind-mounts a directory read-only: needs root"))
    func aReadOnlyDatabaseDirectoryDoesNotStopMailAndTheRecordsArriveWhenWritable() async throws {
        let databaseDirectory = directory.appendingPathComponent("db")
        try FileManager.default.createDirectory(at: databaseDirectory, withIntermediateDirectories: true)
        try mount(["--bind", databaseDirectory.path, databaseDirectory.path])
        defer {
            _ = try? TestProgram.run(["/bin/umount", databaseDirectory.path])
            try? FileManager.default.removeItem(at: directory)
        }
        try mount(["-o", "remount,bind,ro", databaseDirectory.path])
        let database = databaseDirectory.appendingPathComponent("dmarcd.sqlite").path

        // Given a daemon whose database cannot be created
        let daemon = try startDaemon(database: database)
        defer { daemon.process.stop() }

        // When messages arrive, every one is answered
        for index in 0..<20 {
            let reply = try await send(to: daemon, queueID: "RO\(index)")
            #expect(reply == UInt8(ascii: "c") || reply == UInt8(ascii: "a"))
        }
        let deadline = Date().addingTimeInterval(5)
        while !daemon.output.contains("history database cannot be written"), Date() < deadline { usleep(50_000) }
        #expect(daemon.output.contains("history database cannot be written"), "\(daemon.output)")
        #expect(!FileManager.default.fileExists(atPath: database))

        // Then once the directory is writable, the waiting records are written
        try mount(["-o", "remount,bind,rw", databaseDirectory.path])
        #expect(try waitFor(20, in: database, timeout: 10) == 20)
    }
}
