import Doctor
import Foundation
import Testing
import TestSupport

/// Whether reports can leave: the ReportCommand program, or a smarthost on 127.0.0.1.
struct ReportTransportCheckTests {
    @Test("an existing program is ok, a missing one an error with the default line as fix")
    func command() {
        #expect(ReportTransportCheck(.command("/bin/cat -u")).run().map(\.level) == [.ok])
        let missing = ReportTransportCheck(.command("/nonexistent/sendmail -t")).run()
        #expect(missing.map(\.level) == [.error])
        #expect(missing.first?.fix == "ReportCommand /usr/sbin/sendmail -t")
    }

    @Test("a smarthost that listens is ok; a port nobody listens on is an error")
    func smarthost() throws {
        let (listener, port) = try Self.listeningSocket()
        defer { close(listener) }
        #expect(ReportTransportCheck(.smtp(host: "127.0.0.1", port: port)).run().map(\.level) == [.ok])
        let closed = try FreePort.udpAndTCP()
        let refused = ReportTransportCheck(.smtp(host: "127.0.0.1", port: closed)).run()
        #expect(refused.map(\.level) == [.error])
        #expect(refused.first?.summary.contains("cannot be reached") == true)
    }

    struct ListenFailure: Error {}

    /// A TCP socket listening on 127.0.0.1: the kernel completes connections in its backlog.
    static func listeningSocket() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = FreePort.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw ListenFailure() }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
