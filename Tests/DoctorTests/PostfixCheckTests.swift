import Doctor
import Foundation
import Testing
import TestSupport

/// Postfix's milter settings read by the real postconf from a throwaway configuration directory.
@Suite(.serialized)
final class PostfixCheckTests {
    let directory: URL
    /// dmarcd's listener, as far as the check can tell: something accepting connections.
    let listener: Int32
    let port: UInt16

    init() throws {
        (listener, port) = try FreePort.listeningTCPSocket()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-postconf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "".write(to: directory.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
    }

    deinit {
        close(listener)
        try? FileManager.default.removeItem(at: directory)
    }

    private func check(_ mainCF: String, sockets: [String]? = nil) throws -> [Finding] {
        let mainCF = mainCF.replacingOccurrences(of: "8893", with: "\(port)")
        let sockets = sockets ?? ["inet:127.0.0.1:\(port)"]
        try mainCF.write(to: directory.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
        return PostfixCheck(milterSockets: sockets, configDirectory: directory.path).run()
    }

    @Test("dmarcd in both lists, by localhost or in braces with settings, and accept: all ok")
    func listed() throws {
        let findings = try check("""
            smtpd_milters = inet:localhost:8893, unix:/run/opendkim/sock
            non_smtpd_milters = { inet:127.0.0.1:8893, default_action = accept }
            milter_default_action = accept
            """)
        #expect(findings.map(\.level) == [.ok, .ok, .ok, .ok], "\(findings)")
        #expect(findings.last?.summary == "dmarcd accepts connections on inet:127.0.0.1:\(port)")
    }

    @Test("a missing socket gets the postconf -e line that adds it to what is there")
    func missing() throws {
        let findings = try check("smtpd_milters = unix:/run/opendkim/sock\n")
        let smtpd = try #require(findings.first { $0.check == "postfix.smtpd_milters" })
        #expect(smtpd.level == .error)
        #expect(smtpd.fix == "postconf -e 'smtpd_milters = unix:/run/opendkim/sock, inet:127.0.0.1:\(port)' && postfix reload")
        #expect(findings.first { $0.check == "postfix.non_smtpd_milters" }?.level == .warn)
        // Postfix's default is tempfail: senders retry while dmarcd is down.
        #expect(findings.first { $0.check == "postfix.milter_default_action" }?.level == .ok)
    }

    @Test("a unix socket matches a path relative to Postfix's queue directory")
    func relativeUnixPath() throws {
        let findings = try check("smtpd_milters = unix:dmarcd/milter\nnon_smtpd_milters = $smtpd_milters\n",
                                 sockets: ["unix:/var/spool/postfix/dmarcd/milter"])
        #expect(findings.filter { $0.check.hasSuffix("milters") }.map(\.level) == [.ok, .ok], "\(findings)")
    }

    @Test("milter_default_action = reject is an error")
    func rejectWhenDown() throws {
        let findings = try check("smtpd_milters = inet:127.0.0.1:8893\nmilter_default_action = reject\n")
        #expect(findings.first { $0.check == "postfix.milter_default_action" }?.level == .error)
    }

    @Test("a socket nobody listens on is an error: Postfix would apply milter_default_action to all mail")
    func nobodyListens() throws {
        let unused = try FreePort.udpAndTCP()
        let findings = try check("smtpd_milters = inet:127.0.0.1:\(unused)\n", sockets: ["inet:127.0.0.1:\(unused)"])
        let listening = try #require(findings.first { $0.check == "postfix.listener" })
        #expect(listening.level == .error)
        #expect(listening.fix?.hasPrefix("systemctl start dmarcd") == true)
    }

    @Test("without postconf the check says it could not read Postfix's settings")
    func noPostconf() {
        let findings = PostfixCheck(milterSockets: [], postconf: "/nonexistent/postconf").run()
        #expect(findings.map(\.check) == ["postfix.postconf"])
        #expect(findings.first?.level == .warn)
    }
}
