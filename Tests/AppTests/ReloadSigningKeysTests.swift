import Auth
import DNS
import Foundation
import Logging
import Milter
import Store
import Testing
import TestSupport
import UnixSignals

@testable import App

/// SIGHUP replaces the keys the aggregate and failure reports sign with, from the same read of
/// the key files as the milter's keys, and logs a key it cannot use as the start does. Driven
/// through ``ReloadService/reload(replacing:)`` and the scheduler the daemon builds, without
/// a running daemon: a report is due only once a reporting window has closed.
@Suite struct ReloadSigningKeysTests {
    static let message = Array("""
        From: DMARC reports <dmarc-reports@receiver.example>\r
        To: dmarc@example.com\r
        Subject: Report domain: example.com\r
        \r
        A report.\r

        """.utf8)

    @Test func hangupReplacesTheKeysReportsSignWith() async throws {
        // Given a running configuration whose report domain signs with a first key
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-reload-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("rep.pem")
        func makeKey() throws -> DKIMPrivateKey {
            try? FileManager.default.removeItem(at: keyFile)
            try TestProgram.run([DKIMTestSigner.openssl, "genpkey", "-algorithm", "ed25519", "-out", keyFile.path])
            return try DKIMPrivateKey(contentsOfFile: keyFile.path)
        }
        let first = try makeKey()
        let configFile = directory.appendingPathComponent("dmarcd.conf")
        try """
            AuthservID mx.example.test
            DatabasePath \(directory.path)/dmarcd.sqlite
            ReportEmail dmarc-reports@receiver.example
            Sign receiver.example rep \(keyFile.path)
            Sign other.example gone \(directory.path)/gone.pem
            """.write(to: configFile, atomically: true, encoding: .utf8)
        let options = try ConfigurationOptions.parse(["--config", configFile.path])
        let running = try options.load()
        let settings = try running.milterFilterSettings(hostName: "mx.example.test")
        let signingKeys = DKIMSigningKeyring(settings.signingKeys)
        let log = FailureReportServiceTests.LogLines()
        let logger = Logger(label: "test") { _ in FailureReportServiceTests.RecordingLogHandler(log: log) }
        let store = try HistoryStore.open(path: directory.appendingPathComponent("dmarcd.sqlite").path)
        let scheduler = try running.reportScheduler(resolver: StaticResolver(), hostName: "mx.example.test",
                                                    signingKeys: signingKeys, logger: logger)(store)
        #expect(scheduler.settings.signingKeys === signingKeys, "the scheduler signs with the daemon's keys")

        // When the key file is replaced and the daemon gets SIGHUP
        let second = try makeKey()
        let filter = DMARCMilterFilter(resolver: StaticResolver(), settings: settings, logger: logger)
        let reload = ReloadService(signals: await UnixSignalsSequence(trapping: .sighup), options: options,
                                   running: running, hostName: "mx.example.test", filter: filter,
                                   signingKeys: signingKeys, notifier: SystemdNotifier(environment: [:]), logger: logger)
        #expect(reload.reload(replacing: running) != nil, "\(log.all)")

        // Then report mail is signed with the new key, which the milter uses too
        let (signed, outcome) = DKIMMessageSigner.sign(Self.message, keys: signingKeys.keys, at: Date())
        #expect(outcome.signed == ["ed25519 d=receiver.example s=rep"], "\(outcome.problems)")
        let name = "rep._domainkey.receiver.example"
        #expect(try DKIMTestVerifiers.dkimpy(signed, records: [name: second.keyRecord]))
        #expect(try !DKIMTestVerifiers.dkimpy(signed, records: [name: first.keyRecord]))
        let milterKey = filter.settings.signingKeys.keys(localPart: "dmarc-reports", domain: "receiver.example")
        #expect(milterKey.compactMap { try? $0.key.get().publicKeyBase64 } == [second.publicKeyBase64])
        // And the key that cannot be read is logged at SIGHUP as at start
        #expect(log.all.contains { $0.hasPrefix("warning: signing key gone._domainkey.other.example cannot be used") },
                "\(log.all)")
    }
}
