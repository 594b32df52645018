import Foundation
import Testing
import TestSupport

/// Who may connect to dmarcd's `local:` socket: Postfix's smtpd runs as user postfix, so the
/// socket's mode decides whether mail flows at all.
@Suite(.serialized)
struct DaemonSocketTests {
    @Test("UMask in the configuration sets the mode of a local: socket")
    func umaskSetsTheSocketMode() throws {
        let dns = try SilentDNSServer()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-socket-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("milter.sock").path
        // Started with the usual 022, so only the configured 0007 can give the group write access.
        let daemon = try DaemonUnderTest(configuration: ["Socket local:\(path)", "UMask 0007",
                                                         "Nameservers \(dns.forwarder)"], umask: 0o022)
        defer { daemon.stop() }
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o770, "socket mode \(String(mode & 0o777, radix: 8))\n\(daemon.logTail())")
    }
}
