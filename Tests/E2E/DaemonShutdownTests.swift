import Dispatch
import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// Stopping dmarcd while Postfix keeps connecting, as happens on every `systemctl restart` of a
/// busy mail server: the daemon must exit with 0, not crash (a crash is a core dump and, with
/// `Restart=on-failure`, an unplanned restart).
@Suite(.serialized)
struct DaemonShutdownTests {
    @Test("SIGTERM while clients keep connecting stops dmarcd cleanly")
    func sigtermWhileClientsConnect() throws {
        let dns = try SilentDNSServer()
        var failures: [String] = []
        // The race needs a connection accepted just as the listener closes, so it takes a few
        // rounds to show.
        for round in 1...6 {
            let port = try FreePort.udpAndTCP()
            // A crash is the finding; Swift's backtracer would keep the dying process for seconds.
            let daemon = try DaemonUnderTest(configuration: ["Socket inet:\(port)@127.0.0.1", "Nameservers \(dns.forwarder)"],
                                             environment: ["SWIFT_BACKTRACE": "enable=no"])
            let stopConnecting = NIOLockedValueBox(false)
            let connectors = DispatchGroup()
            for _ in 0..<4 {
                DispatchQueue.global().async(group: connectors) {
                    while !stopConnecting.withLockedValue({ $0 }) {
                        Self.connectAndClose(port: port)
                    }
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
            daemon.send(SIGTERM)
            let exited = daemon.waitForExit(timeout: 20)
            stopConnecting.withLockedValue { $0 = true }
            connectors.wait()
            if !exited || daemon.exitCode != 0 {
                failures.append("round \(round): \(exited ? "exit code \(daemon.exitCode.map(String.init) ?? "none (killed by a signal)")" : "still running")\n\(daemon.logTail(8))")
            }
            // A stop is routine: the connections it cuts are no errors for the postmaster.
            let errors = daemon.log.split(separator: "\n").filter { $0.contains(" error ") }
            if !errors.isEmpty {
                failures.append("round \(round): \(errors.count) error lines, the first: \(errors[0])")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    private static func connectAndClose(port: UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
