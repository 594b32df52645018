import Doctor
import Foundation
import Testing

/// Postfix's milter settings read by the real postconf from a throwaway configuration directory.
@Suite(.serialized)
struct PostfixCheckTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-postconf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "".write(to: directory.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
    }

    private func check(_ mainCF: String, sockets: [String] = ["inet:127.0.0.1:8893"]) throws -> [Finding] {
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
        #expect(findings.map(\.level) == [.ok, .ok, .ok], "\(findings)")
    }

    @Test("a missing socket gets the postconf -e line that adds it to what is there")
    func missing() throws {
        let findings = try check("smtpd_milters = unix:/run/opendkim/sock\n")
        let smtpd = try #require(findings.first { $0.check == "postfix.smtpd_milters" })
        #expect(smtpd.level == .error)
        #expect(smtpd.fix == "postconf -e 'smtpd_milters = unix:/run/opendkim/sock, inet:127.0.0.1:8893' && postfix reload")
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

    @Test("without postconf the check says it could not read Postfix's settings")
    func noPostconf() {
        let findings = PostfixCheck(milterSockets: [], postconf: "/nonexistent/postconf").run()
        #expect(findings.map(\.check) == ["postfix.postconf"])
        #expect(findings.first?.level == .warn)
    }
}
