import Foundation
import Testing
import TestSupport

/// The `dmarcd` binary as a user runs it.
@Suite(.serialized)
final class DaemonProcessTests {
    let dmarcd = BuiltProducts.executable("dmarcd")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func start(_ arguments: [String]) throws -> (ChildProcess, URL) {
        let log = directory.appendingPathComponent("out.txt")
        return (try ChildProcess(dmarcd, arguments, logFile: log.path), log)
    }

    private func text(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func runStartsWithBuiltInDefaultsAndStopsCleanlyOnSignal(signal: Int32) throws {
        let dns = try SilentDNSServer()
        let milterPort = try FreePort.udpAndTCP()
        let daemon = try DaemonUnderTest(arguments: ["run", "--builtin-defaults", "--set", "Nameservers=\(dns.forwarder)",
                                                     "--set", "Socket=inet:\(milterPort)@127.0.0.1"])
        #expect(daemon.log.contains("starting with built-in defaults"), "\(daemon.log)")
        #expect(daemon.log.contains("DNS queries go to \(dns.forwarder)"))
        #expect(daemon.log.contains("milter listening on inet:\(milterPort)@127.0.0.1"), "\(daemon.log)")
        daemon.send(signal)
        #expect(daemon.waitForExit(timeout: 5))
        #expect(daemon.exitCode == 0)
        #expect(daemon.log.contains("dmarcd stopped"))
    }

    @Test func runRefusesABadConfigurationFileAndNamesTheLine() throws {
        let file = directory.appendingPathComponent("bad.conf")
        try "Socket inet:8893@127.0.0.1\nRejectFailurs true\n".write(to: file, atomically: true, encoding: .utf8)
        let (daemon, log) = try start(["run", "--config", file.path])
        #expect(daemon.waitForExit(timeout: 10))
        #expect(daemon.exitCode == 1)
        #expect(text(log).contains("\(file.path):2: error: unknown key \"RejectFailurs\""))
    }

    @Test func checkConfigExitsNonZeroForAMisspeltKeyAndABadBoolean() throws {
        let file = directory.appendingPathComponent("bad.conf")
        try "# sample\nRejectFailurs true\nSoftwareHeader maybe\n".write(to: file, atomically: true, encoding: .utf8)
        let (check, log) = try start(["check-config", file.path])
        #expect(check.waitForExit(timeout: 10))
        #expect(check.exitCode == 1)
        #expect(text(log).contains("\(file.path):2: error"))
        #expect(text(log).contains("\(file.path):3: error"))
    }

    @Test func checkConfigAcceptsDebiansOpenDMARCConfiguration() throws {
        let debianFile = "/etc/opendmarc.conf"
        try #require(FileManager.default.fileExists(atPath: debianFile), "install Debian's opendmarc package (make test does)")
        let (check, log) = try start(["check-config", debianFile])
        #expect(check.waitForExit(timeout: 10))
        #expect(check.exitCode == 0, "\(text(log))")
        #expect(text(log).contains("Socket"))
    }

    @Test func versionAndHelpAnswer() throws {
        let (version, log) = try start(["--version"])
        #expect(version.waitForExit(timeout: 10))
        #expect(version.exitCode == 0)
        #expect(text(log).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}
