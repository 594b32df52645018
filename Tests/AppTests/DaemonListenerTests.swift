import Foundation
import Testing
import TestSupport

/// The `Socket` key as the running daemon applies it (E2ETests/DaemonSocketTests has `UMask`).
@Suite(.serialized)
struct DaemonListenerTests {
    @Test func everySocketListedGetsAListener() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-listen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dns = try SilentDNSServer()
        let port = Int(try FreePort.udpAndTCP())
        let socketPath = directory.appendingPathComponent("milter.sock").path
        let log = directory.appendingPathComponent("dmarcd.log")
        let daemon = try ChildProcess(BuiltProducts.executable("dmarcd"), [
            "run", "--builtin-defaults", "--set", "Nameservers=\(dns.forwarder)",
            "--set", "Socket=inet:\(port)@127.0.0.1, inet6:\(port)@::1, unix:\(socketPath)",
            "--set", "DatabasePath=\(DaemonUnderTest.databasePath(in: directory))",
        ], logFile: log.path)
        defer {
            daemon.send(SIGTERM)
            _ = daemon.waitForExit(timeout: 10)
        }
        let text = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(10)
        while !text().contains("DNS queries go to") && Date() < deadline && daemon.isRunning {
            usleep(20_000)
        }
        #expect(text().contains("milter listening on inet:\(port)@127.0.0.1, inet6:\(port)@::1, unix:\(socketPath)"), "\(text())")
        for client in [try MilterTestClient.connect(port: port), try MilterTestClient.connect(host: "::1", port: port),
                       try MilterTestClient.connect(unixPath: socketPath)] {
            #expect(try await client.negotiate().version == 6)
            try await client.quit()
        }
    }

    @Test(.enabled(if: geteuid() == 0, "only root can switch accounts"))
    func startedAsRootTheDaemonBecomesTheUserIDAccountOnceListening() async throws {
        let dns = try SilentDNSServer()
        let port = Int(try FreePort.udpAndTCP())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-user-\(UUID().uuidString)")
        // The history database is made after the switch, by the account switched to.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("dmarcd.log")
        let database = DaemonUnderTest.databasePath(in: directory)
        let daemon = try ChildProcess(BuiltProducts.executable("dmarcd"), [
            "run", "--builtin-defaults", "--set", "Nameservers=\(dns.forwarder)", "--set", "UserID=nobody:nogroup",
            "--set", "Socket=inet:\(port)@127.0.0.1", "--set", "DatabasePath=\(database)",
        ], logFile: log.path)
        defer { daemon.stop() }
        let text = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(10)
        while !text().contains("DNS queries go to") && Date() < deadline && daemon.isRunning {
            usleep(20_000)
        }
        #expect(text().contains("running as nobody:nogroup"), "\(text())")
        let status = try String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8)
        let uids = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(whereSeparator: \.isWhitespace).dropFirst()
        #expect(uids.map(Array.init) == ["65534", "65534", "65534", "65534"], "real, effective, saved and file uid\n\(status)\n\(text())")
        let client = try MilterTestClient.connect(port: port)
        #expect(try await client.negotiate().version == 6)
        try await client.quit()
        let owner = try FileManager.default.attributesOfItem(atPath: database)[.ownerAccountID] as? Int
        #expect(owner == 65534, "the database belongs to the account dmarcd runs as")
    }
}
