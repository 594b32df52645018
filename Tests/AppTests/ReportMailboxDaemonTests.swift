import Foundation
import Store
import Testing
import TestSupport

/// Reports mailed to a `ReportMailbox` address, through the running `dmarcd`: a real milter
/// client, a real DNS server (nsd) on 127.0.0.1 and a real SQLite history.
@Suite(.serialized)
struct ReportMailboxDaemonTests {
    static let mailbox = "dmarc-reports@mx.example.test"
    let dns: DNSTestServer

    /// Google's aggregate report about stalw.art as it reached Stalwart's mailbox, a gzip
    /// attachment in base64 (../shared/corpus/stalwart-mail-auth/resources/dmarc-feedback/100.eml),
    /// with CRLF line ends as Postfix passes them.
    static func googleReportMail() throws -> [UInt8] {
        let text = try Fixtures.text(Fixtures.corpus("stalwart-mail-auth/resources/dmarc-feedback/100.eml"))
        return Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    static let question = Array("""
        From: Alice <alice@example.com>
        To: \(mailbox)
        Subject: a question about your reports
        Message-ID: <question@example.com>

        Why do we get these?
        """.replacingOccurrences(of: "\n", with: "\r\n").utf8) + Array("\r\n".utf8)

    init() throws {
        // google.com has no DMARC record here: the report mail is checked and gets dmarc=none.
        dns = try DNSTestServer(zones: [
            .init("com", records: ""),
            .init("example.com", records: """
                _dmarc TXT "v=DMARC1; p=none; rua=mailto:dmarc@example.com"
                @      TXT "v=spf1 ip4:192.0.2.0/24 -all"
                """),
        ])
    }

    private func startDaemon(discard: Bool = false) throws -> (daemon: DaemonUnderTest, port: Int) {
        let port = Int(try FreePort.udpAndTCP())
        let daemon = try DaemonUnderTest(configuration: [
            "Socket inet:\(port)@127.0.0.1",
            "Nameservers \(dns.forwarder)",
            "AuthservID mx.example.test",
            "ReportMailbox \(Self.mailbox)",
            "ReportMailboxDiscard \(discard)",
        ])
        return (daemon, port)
    }

    /// Sends one message over a new milter connection and returns the final reply's code.
    @discardableResult
    private func send(_ message: [UInt8], port: Int, queueID: String, recipient: String = "<\(mailbox)>")
        async throws -> Character {
        let client = try MilterTestClient.connect(port: port)
        try await client.negotiate()
        let envelope = MilterTestClient.Envelope(clientIP: "192.0.2.10", helo: "mail.example.com",
                                                 sender: "<bounce@example.com>", recipient: recipient, queueID: queueID)
        _ = try await client.connectSession(envelope)
        let replies = try await client.sendMessage(message, envelope: envelope)
        try await client.quit()
        return Character(UnicodeScalar(replies.last?.code ?? 0))
    }

    private func wait(timeout: TimeInterval, until condition: () throws -> Bool) rethrows {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition(), Date() < deadline { usleep(50_000) }
    }

    /// Whether the daemon logged a line about the message `queueID` (the queue id first, then
    /// the MIME part the line is about) that contains `text`.
    private func logged(_ daemon: DaemonUnderTest, _ queueID: String, _ text: String) -> Bool {
        daemon.log.split(separator: "\n").contains { $0.contains("] \(queueID)") && $0.contains(text) }
    }

    private func store(of daemon: DaemonUnderTest) throws -> HistoryStore {
        try HistoryStore.openForReading(path: DaemonUnderTest.databasePath(in: daemon.directory))
    }

    @Test func aReportMailedToTheMailboxIsStoredNotRecordedAndDelivered() async throws {
        let (daemon, port) = try startDaemon()

        // When Google's report arrives for the mailbox, then a message for someone else
        let reply = try await send(try Self.googleReportMail(), port: port, queueID: "REPORT1")
        try await send(Self.question, port: port, queueID: "PLAIN1", recipient: "<postmaster@mx.example.test>")
        wait(timeout: 15) { logged(daemon, "REPORT1", "report from google.com") }
        try wait(timeout: 5) { try store(of: daemon).evaluationCount() >= 1 }

        // Then the report is stored, the mail goes on to the mailbox, and only the other message
        // is in the history
        #expect(reply == "c", "\(daemon.logTail())")
        #expect(logged(daemon, "REPORT1", ": report from google.com id 5264580628977113351 for stalw.art stored"),
                "\(daemon.logTail())")
        let stored = try store(of: daemon).receivedReports(domain: "stalw.art")
        #expect(stored.map(\.report.reportID) == ["5264580628977113351"])
        #expect(stored.first?.receipt.source == "REPORT1")
        #expect(try store(of: daemon).evaluations(HistoryFilter()).map(\.queueID) == ["PLAIN1"])
        #expect(logged(daemon, "REPORT1: client=192.0.2.10", "not recorded for reports"))
    }

    @Test func theReportsInTheWatchedMaildirAreStoredAndTheMessagesMoveToCur() throws {
        // Given a Maildir with Google's report and a message without one waiting in new/
        let maildir = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-maildir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: maildir) }
        for folder in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(at: maildir.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(try Self.googleReportMail()).write(to: maildir.appendingPathComponent("new/1764400000.R1.mx"))
        try Data(Self.question).write(to: maildir.appendingPathComponent("new/1764400001.R2.mx"))

        // When the daemon watches it (and has no report mailbox)
        let daemon = try DaemonUnderTest(configuration: [
            "Socket inet:\(try FreePort.udpAndTCP())@127.0.0.1", "Nameservers \(dns.forwarder)",
            "ReportMaildir \(maildir.path)",
        ])
        let new = maildir.appendingPathComponent("new").path
        wait(timeout: 15) { (try? FileManager.default.contentsOfDirectory(atPath: new))?.isEmpty == true }

        // Then the report is stored, the other message's rejection is logged, and both are in
        // cur/ marked seen
        #expect(try store(of: daemon).receivedReports(domain: "stalw.art").map(\.report.reportID) == ["5264580628977113351"],
                "\(daemon.logTail())")
        #expect(daemon.log.contains("1764400001.R2.mx: report mail rejected: the message holds no aggregate report"),
                "\(daemon.logTail())")
        let seen = try FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent("cur").path).sorted()
        #expect(seen == ["1764400000.R1.mx:2,S", "1764400001.R2.mx:2,S"])
    }

    @Test func theSameReportMailedTwiceIsStoredOnce() async throws {
        let (daemon, port) = try startDaemon()

        try await send(try Self.googleReportMail(), port: port, queueID: "FIRST")
        try await send(try Self.googleReportMail(), port: port, queueID: "AGAIN")
        wait(timeout: 15) { logged(daemon, "AGAIN", "report from google.com") }

        #expect(logged(daemon, "FIRST", ": report from google.com id 5264580628977113351 for stalw.art stored"),
                "\(daemon.logTail())")
        #expect(logged(daemon, "AGAIN", ": report from google.com id 5264580628977113351 for stalw.art duplicate"))
        #expect(try store(of: daemon).receivedReportCount() == 1)
    }

    @Test func aMailWithoutAReportIsLoggedAsRejectedAndStillDelivered() async throws {
        let (daemon, port) = try startDaemon()

        let reply = try await send(Self.question, port: port, queueID: "QUESTION")
        wait(timeout: 15) { daemon.log.contains("QUESTION: report mail rejected") }

        #expect(reply == "c")
        #expect(logged(daemon, "QUESTION: client=", "not recorded for reports: mail to a ReportMailbox address"))
        let line = daemon.log.split(separator: "\n").first { $0.contains("QUESTION: report mail rejected") }
        #expect(line?.contains("the message holds no aggregate report") == true, "\(daemon.logTail())")
        #expect(try store(of: daemon).receivedReportCount() == 0)
    }

    @Test func withReportMailboxDiscardTheHandedOverMailIsDiscarded() async throws {
        let (daemon, port) = try startDaemon(discard: true)

        let reply = try await send(try Self.googleReportMail(), port: port, queueID: "DISCARD1")
        wait(timeout: 15) { logged(daemon, "DISCARD1", "report from google.com") }

        #expect(reply == "d", "\(daemon.logTail())")
        #expect(daemon.log.contains("DISCARD1: client=192.0.2.10 from=google.com dmarc=none disposition=none discarded"),
                "\(daemon.logTail())")
        #expect(try store(of: daemon).receivedReportCount() == 1)
    }
}
