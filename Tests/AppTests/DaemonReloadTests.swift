import Foundation
import Testing
import TestSupport

/// SIGHUP as a postmaster sends it (`systemctl reload dmarcd`): the real binary rereads its file,
/// applies what it can to new connections, keeps open ones, and refuses a broken file.
@Suite(.serialized)
struct DaemonReloadTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-reload-\(UUID().uuidString)")
    let dns: DNSTestServer
    let milterPort: Int
    var configFile: URL { directory.appendingPathComponent("dmarcd.conf") }
    var ignoreFile: URL { directory.appendingPathComponent("ignore.hosts") }
    var logFile: URL { directory.appendingPathComponent("dmarcd.log") }

    static let message = Array("""
        From: alice@example.org
        To: bob@mx.example.test
        Subject: hello

        Hi.

        """.replacingOccurrences(of: "\n", with: "\r\n").utf8)

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        dns = try DNSTestServer(zones: [
            .init("org", records: ""),
            .init("example.org", records: "_dmarc TXT \"v=DMARC1; p=none\""),
        ])
        milterPort = Int(try FreePort.udpAndTCP())
    }

    private func writeConfiguration(ignoring hosts: [String], extra: String = "") throws {
        try (hosts.joined(separator: "\n") + "\n").write(to: ignoreFile, atomically: true, encoding: .utf8)
        try """
            Socket inet:\(milterPort)@127.0.0.1
            DatabasePath \(DaemonUnderTest.databasePath(in: directory))
            Nameservers \(dns.forwarder)
            AuthservID mx.example.test
            IgnoreHosts \(ignoreFile.path)
            \(extra)
            """.write(to: configFile, atomically: true, encoding: .utf8)
    }

    private var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until the log has `text` `count` times in all.
    private func waitForLog(_ text: String, count: Int = 1) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while log.components(separatedBy: text).count - 1 < count {
            guard Date() < deadline else { return false }
            usleep(20_000)
        }
        return true
    }

    /// The reply to the first MAIL of a new connection from `clientIP` (CONNECT is not
    /// answered): continue when the client is checked, accept when it is an ignored host.
    private func firstMailReply(from clientIP: String) async throws -> UInt8 {
        let client = try MilterTestClient.connect(port: milterPort)
        try await client.negotiate()
        let frames = try await client.connectSession(.init(clientIP: clientIP, helo: "mail.example.org",
                                                           sender: "<alice@example.org>"))
        #expect(frames.isEmpty)
        try await client.send("M", MilterTestClient.cString("<alice@example.org>"))
        let reply = try await client.receive()
        try await client.quit()
        return reply.code
    }

    @Test func hangupAppliesANewFileToNewConnectionsKeepsOpenOnesAndRefusesABrokenFile() async throws {
        try writeConfiguration(ignoring: ["192.0.2.1"])
        let daemon = try ChildProcess(BuiltProducts.executable("dmarcd"), ["run", "--config", configFile.path],
                                      logFile: logFile.path)
        defer {
            daemon.send(SIGTERM)
            _ = daemon.waitForExit(timeout: 10)
            try? FileManager.default.removeItem(at: directory)
        }
        #expect(waitForLog("DNS queries go to"), "\(log)")
        #expect(try await firstMailReply(from: "192.0.2.9") == UInt8(ascii: "c"))

        // A connection open across the reload.
        let envelope = MilterTestClient.Envelope(clientIP: "192.0.2.9", helo: "mail.example.org",
                                                 sender: "<alice@example.org>")
        let open = try MilterTestClient.connect(port: milterPort)
        try await open.negotiate()
        _ = try await open.connectSession(envelope)
        // CONNECT is not answered: a first message makes sure dmarcd took it before the reload.
        let before = try await open.sendMessage(Self.message, envelope: envelope)
        #expect(before.last?.code == UInt8(ascii: "c"))

        try writeConfiguration(ignoring: ["192.0.2.0/24"], extra: "Socket inet:1@127.0.0.1")
        daemon.send(SIGHUP)
        #expect(waitForLog("configuration and ignore lists reloaded; keys changed: Socket"), "\(log)")
        #expect(log.contains("Socket changed: it takes effect when dmarcd restarts"), "\(log)")
        #expect(try await firstMailReply(from: "192.0.2.9") == UInt8(ascii: "a"))
        let replies = try await open.sendMessage(Self.message, envelope: envelope)
        #expect(replies.last?.code == UInt8(ascii: "c"), "the open connection still gets its verdict")
        try await open.quit()

        try "Socket inet:\(milterPort)@127.0.0.1\nRejectFailurs true\n".write(to: configFile, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        #expect(waitForLog("configuration not reloaded"), "\(log)")
        #expect(log.contains("\(configFile.path):2: error: unknown key \"RejectFailurs\""), "\(log)")
        #expect(daemon.isRunning)
        #expect(try await firstMailReply(from: "192.0.2.9") == UInt8(ascii: "a"), "the last good settings stay")
    }
}
