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
        let (listener, port) = try FreePort.listeningTCPSocket()
        defer { close(listener) }
        #expect(ReportTransportCheck(.smtp(host: "127.0.0.1", port: port)).run().map(\.level) == [.ok])
        let closed = try FreePort.udpAndTCP()
        let refused = ReportTransportCheck(.smtp(host: "127.0.0.1", port: closed)).run()
        #expect(refused.map(\.level) == [.error])
        #expect(refused.first?.summary.contains("cannot be reached") == true)
    }
}
