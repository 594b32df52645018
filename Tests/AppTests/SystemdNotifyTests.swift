import Foundation
import Testing
import TestSupport

@testable import App

/// sd_notify as systemd's `Type=notify` expects it: datagrams on the socket in NOTIFY_SOCKET.
@Suite(.serialized)
struct SystemdNotifyTests {
    /// A datagram socket standing in for systemd's notification socket.
    final class NotifySocket {
        let descriptor: Int32
        let name: String

        /// Binds `name`: a path, or an abstract name when it starts with `@`.
        init(name: String) {
            self.name = name
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var path = Array(name.utf8)
            let isAbstract = path.first == UInt8(ascii: "@")
            if isAbstract { path[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
            let length = MemoryLayout.offset(of: \sockaddr_un.sun_path)! + path.count + (isAbstract ? 0 : 1)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(length)) }
            }
            #expect(bound == 0, "cannot bind \(name): errno \(errno)")
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(descriptor)
            if !name.hasPrefix("@") { unlink(name) }
        }

        /// The next datagram, or nil after 10 s without one.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            return count < 0 ? nil : String(decoding: buffer.prefix(count), as: UTF8.self)
        }
    }

    @Test func abstractSocketNamesWork() throws {
        let listener = NotifySocket(name: "@dmarcd-notify-\(UUID().uuidString)")
        SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.name]).stopping()
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func withoutNotifySocketNothingIsSent() {
        #expect(SystemdNotifier(environment: [:]).socketPath == nil)
    }

    @Test func daemonReportsReadyReloadingAndStopping() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let listener = NotifySocket(name: directory.appendingPathComponent("notify").path)
        let dns = try SilentDNSServer()
        let port = try FreePort.udpAndTCP()
        let daemon = try ChildProcess(BuiltProducts.executable("dmarcd"), [
            "run", "--builtin-defaults", "--set", "Nameservers=\(dns.forwarder)", "--set", "Socket=inet:\(port)@127.0.0.1",
            "--set", "DatabasePath=\(DaemonUnderTest.databasePath(in: directory))",
        ], logFile: directory.appendingPathComponent("dmarcd.log").path, environment: ["NOTIFY_SOCKET": listener.name])
        defer { daemon.stop() }

        #expect(listener.receive() == "READY=1\nSTATUS=milter listening on inet:\(port)@127.0.0.1")
        // The milter answers once systemd is told the daemon is ready.
        let client = try MilterTestClient.connect(port: Int(port))
        #expect(try await client.negotiate().version == 6)
        try await client.quit()
        daemon.send(SIGHUP)
        #expect(listener.receive()?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true)
        #expect(listener.receive() == "READY=1\nSTATUS=configuration reloaded")
        daemon.send(SIGTERM)
        #expect(listener.receive() == "STOPPING=1")
        #expect(daemon.waitForExit(timeout: 15))
    }
}
