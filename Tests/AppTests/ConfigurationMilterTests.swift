import DNS
import Foundation
import Milter
import Testing

@testable import App

/// How the configuration becomes the milter's settings, the IgnoreHosts file included.
@Suite struct ConfigurationMilterTests {
    private func settings(_ text: String) throws -> MilterFilterSettings {
        try ConfigurationParser.parsedWithoutErrors(text).configuration.milterFilterSettings(hostName: "mx.example.test")
    }

    private func ignoreFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ignore-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsIgnoreOnlyLoopbackAndTakeTheAuthservIDFromTheMTA() throws {
        let settings = try settings("")
        #expect(settings.ignoredNetworks == MilterFilterSettings.loopback)
        #expect(settings.authservIDFromMTA)
        #expect(!settings.rejectFailures && !settings.holdQuarantined && !settings.requiredHeaders)
        #expect(settings.copyFailuresTo == nil)
    }

    @Test func reportMailboxesAreCapturedAndNotRecorded() throws {
        // Given report mailboxes written as a postmaster might
        let settings = try settings("""
            ReportMailbox DMARC@Example.com, <rua@example.net>
            ReportMailboxDiscard true
            """)
        // Then the milter matches them like RCPT TO addresses, and keeps their mail out of the history
        #expect(settings.reportMailboxes == ["dmarc@example.com", "rua@example.net"])
        #expect(settings.reportMailboxes.isSubset(of: settings.unrecordedRecipients))
        #expect(settings.discardReportMailboxMail)
        #expect(try self.settings("").reportMailboxes.isEmpty)
    }

    @Test func keysReachTheMilterSettings() throws {
        let settings = try settings("""
            AuthservID mx.example.test
            RejectFailures true
            RejectString mail from %s refused
            HoldQuarantinedMessages true
            IgnoreAuthenticatedClients true
            IgnoreMailFrom Example.COM, example.net
            RequiredHeaders true
            RequiredFrom true
            CopyFailuresTo dmarc-failures@example.com
            SoftwareHeader true

            """)
        #expect(!settings.authservIDFromMTA)
        #expect(settings.authenticator.authservID == "mx.example.test")
        #expect(settings.rejectReply(fromDomain: "example.org") == "550 5.7.1 mail from example.org refused")
        #expect(settings.holdQuarantined && settings.ignoreAuthenticatedClients)
        #expect(settings.ignoredFromDomains == ["example.com", "example.net"])
        #expect(settings.requiredHeaders && settings.requiredFrom)
        #expect(settings.copyFailuresTo == "<dmarc-failures@example.com>")
        #expect(settings.softwareHeader?.hasPrefix("dmarcd ") == true)
    }

    @Test func ignoreHostsFileHoldsAddressesAndBlocksOfBothFamiliesWithComments() throws {
        let path = try ignoreFile("""
            # relays of our own
            192.0.2.25
            198.51.100.0/24   # the office
            2001:db8::/32

            ::1
            Relay.Example.COM
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try settings("IgnoreHosts \(path)\n")
        #expect(settings.ignoredHostNames == ["relay.example.com"])
        let networks = settings.ignoredNetworks
        #expect(networks.map(\.description) == ["192.0.2.25/32", "198.51.100.0/24", "2001:db8::/32", "::1/128"])
        #expect(networks.contains { $0.contains(IPAddress("198.51.100.77")!) })
        #expect(networks.contains { $0.contains(IPAddress("::ffff:192.0.2.25")!) }, "an IPv4-mapped client counts as IPv4")
        #expect(!networks.contains { $0.contains(IPAddress("127.0.0.1")!) }, "the file replaces the loopback default")
    }

    @Test(arguments: [
        ("mail example com\n", "line 1: \"mail example com\" is not a host name, IP address or CIDR block"),
        ("192.0.2.0/33\n", "line 1: \"33\" is not a prefix length from 0 to 32"),
        ("\n2001:db8::/129\n", "line 2: \"129\" is not a prefix length from 0 to 128"),
    ])
    func badIgnoreHostsLineIsAnErrorNamingTheLine(text: String, message: String) throws {
        let path = try ignoreFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try settings("IgnoreHosts \(path)\n")
        } throws: { error in
            "\(error)" == "IgnoreHosts \(path) \(message)"
        }
    }

    @Test func missingIgnoreHostsFileIsAnError() {
        #expect(throws: ConfigurationLoadError.self) {
            _ = try settings("IgnoreHosts /nonexistent/ignore.hosts\n")
        }
    }
}
