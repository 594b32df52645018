import Foundation
import Testing
import TestSupport

/// The flows of ``PostfixEndToEndTests`` driven by OpenDKIM's miltertest, an independent milter
/// client, against the running dmarcd with no MTA in between: the Lua scripts in
/// `Tests/E2E/miltertest` check dmarcd's replies and header edits step by step.
@Suite(.serialized, MiltertestStack.scope)
struct MiltertestScriptTests {
    let milters: CheckingMilters

    init() throws {
        milters = try #require(MiltertestStack.current, "the suite's dmarcd did not start")
    }

    @Test("aligned mail passes and gets Authentication-Results", arguments: MilterTransport.allCases)
    func alignedPass(transport: MilterTransport) throws {
        let message = try milters.message(from: CheckingMilters.alignedDomain, subject: "aligned", signed: true)
        try run("aligned-pass", transport, message: message, sender: CheckingMilters.alignedDomain)
    }

    @Test("p=reject failing mail gets 550 5.7.1", arguments: MilterTransport.allCases)
    func reject(transport: MilterTransport) throws {
        let message = try milters.message(from: CheckingMilters.rejectingDomain, subject: "reject", signed: false)
        try run("reject", transport, message: message, sender: CheckingMilters.rejectingDomain)
    }

    @Test("p=quarantine failing mail is quarantined", arguments: MilterTransport.allCases)
    func quarantine(transport: MilterTransport) throws {
        let message = try milters.message(from: CheckingMilters.quarantiningDomain, subject: "quarantine", signed: false)
        try run("quarantine", transport, message: message, sender: CheckingMilters.quarantiningDomain)
    }

    @Test("a forged Authentication-Results with our authserv-id is removed", arguments: MilterTransport.allCases)
    func forgedAuthenticationResults(transport: MilterTransport) throws {
        let message = try milters.message(
            from: CheckingMilters.alignedDomain, subject: "forged", signed: true,
            extraFields: ["Authentication-Results: \(CheckingMilters.authservID); dmarc=pass header.from=bank.example"])
        try run("forged-authentication-results", transport, message: message, sender: CheckingMilters.alignedDomain)
    }

    @Test("a client in IgnoreHosts is accepted unchecked", arguments: MilterTransport.allCases)
    func ignoredHost(transport: MilterTransport) throws {
        let message = try milters.message(from: CheckingMilters.rejectingDomain, subject: "ignored", signed: false)
        try run("ignored-host", transport, message: message, sender: CheckingMilters.rejectingDomain,
                client: CheckingMilters.ignoredClient)
    }

    @Test("with the DNS server stopped, mail goes on with temperror", arguments: MilterTransport.allCases)
    func dnsDown(transport: MilterTransport) throws {
        milters.outageDNS.stop()
        let message = try milters.message(from: CheckingMilters.alignedDomain, subject: "dns-down", signed: true)
        try run("dns-down", transport, message: message, sender: CheckingMilters.alignedDomain, outage: true)
    }

    /// Runs `script`.lua against the daemon for `transport` and records miltertest's output and
    /// the daemon's log unless it exits with 0.
    private func run(_ script: String, _ transport: MilterTransport, message: [UInt8], sender domain: String,
                     client: String = CheckingMilters.checkedClient, outage: Bool = false) throws {
        let folder = Fixtures.packageRoot.appendingPathComponent("Tests/E2E/miltertest")
        let messageFile = milters.directory.appendingPathComponent("\(script)-\(transport)-\(UUID().uuidString).eml")
        try Data(message).write(to: messageFile)
        defer { try? FileManager.default.removeItem(at: messageFile) }
        let endpoint = outage ? milters.outageMilter(transport) : milters.milter(transport)
        let output = milters.directory.appendingPathComponent("miltertest-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }

        let process = try ChildProcess("/usr/bin/miltertest", [
            "-s", folder.appendingPathComponent("\(script).lua").path,
            "-D", "COMMON=\(folder.appendingPathComponent("common.lua").path)",
            "-D", "SOCKET=\(endpoint.miltertestAddress)",
            "-D", "MESSAGE=\(messageFile.path)",
            "-D", "CLIENT_IP=\(client)",
            "-D", "MAIL_FROM=bounce@\(domain)",
            "-D", "AUTHSERV_ID=\(CheckingMilters.authservID)",
        ], logFile: output.path)
        let exited = process.waitForExit(timeout: 60)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(exited, "miltertest \(script).lua did not finish within 60 s:\n\(text)")
        #expect(process.exitCode == 0, """
            miltertest \(script).lua over \(transport) exited \(process.exitCode.map(String.init) ?? "on a signal"):
            \(text)
            \(endpoint.daemon.logTail())
            """)
    }
}

/// dmarcd and DNS for the whole suite, started once and stopped after the last test.
enum MiltertestStack {
    @TaskLocal static var current: CheckingMilters?

    struct Scope: SuiteTrait, TestScoping {
        func provideScope(for test: Test, testCase: Test.Case?,
                          performing function: @Sendable () async throws -> Void) async throws {
            let milters = try CheckingMilters()
            defer { milters.stop() }
            try await MiltertestStack.$current.withValue(milters) {
                try await function()
            }
        }
    }

    static var scope: Scope { Scope() }
}
