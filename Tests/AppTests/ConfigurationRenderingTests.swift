import DNS
import Testing

@testable import App

/// The effective configuration written as configuration lines, and read back.
@Suite struct ConfigurationRenderingTests {
    private func readBack(_ text: String) -> ConfigurationParser {
        ConfigurationParser.parsed(text, file: "rendered")
    }

    @Test func theDefaultsReadBackToTheDefaults() {
        let parsed = readBack(Configuration.defaults.rendered())
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.configuration == .defaults)
    }

    @Test func aConfigurationWithEveryFieldChangedReadsBackTheSame() throws {
        // Given a configuration in which every field differs from its default
        var configuration = Configuration()
        configuration.sockets = [.inet6(host: "::1", port: 10025), .unix(path: "/run/dmarcd/milter.sock")]
        configuration.umask = 0o027
        configuration.userID = .init(user: "dmarcd", group: "postfix")
        configuration.authservID = "mx.example.com"
        configuration.authservIDWithJobID = true
        configuration.trustedAuthservIDs = ["mx.example.com", "HOSTNAME"]
        configuration.softwareHeader = true
        configuration.ignoreHostsFile = "/etc/dmarcd/ignore.hosts"
        configuration.ignoreAuthenticatedClients = true
        configuration.ignoreMailFrom = ["example.com", "example.net"]
        configuration.ignoreMailTo = ["dmarc@example.com"]
        configuration.spfIgnoreResults = true
        configuration.spfSelfValidate = false
        configuration.publicSuffixListFile = "/usr/share/publicsuffix/public_suffix_list.dat"
        configuration.trustedARCSealers = ["google.com"]
        configuration.trustedARCSealersFile = "/etc/dmarcd/sealers"
        configuration.rejectFailures = true
        configuration.rejectString = "5.7.1 %s says no"
        configuration.holdQuarantinedMessages = true
        configuration.rejectMultiValueFrom = true
        configuration.requiredFrom = true
        configuration.requiredHeaders = true
        configuration.copyFailuresTo = "failures@example.com"
        configuration.historyFile = "/var/run/opendmarc/opendmarc.dat"
        configuration.recordAllMessages = true
        configuration.failureReports = true
        configuration.failureReportsBcc = ["a@example.com", "b@example.com"]
        configuration.failureReportsOnNone = true
        configuration.failureReportsSentBy = "DMARC reports <postmaster@example.com>"
        configuration.reportCommand = "/usr/sbin/sendmail -t -i"
        configuration.noReportsListFile = "/etc/dmarcd/no-reports"
        configuration.httpListenAddress = .init(host: "::1", port: 8443)
        configuration.databasePath = "/srv/dmarcd.sqlite"
        configuration.nameservers = [
            .init(address: try #require(IPAddress("127.0.0.1")), port: 5353),
            .init(address: try #require(IPAddress("2001:db8::53"))),
        ]
        configuration.dnssecTrustAnchorFile = "/usr/share/dns/root.key"
        configuration.dnsTimeout = .seconds(2)
        configuration.logLevel = .trace

        // When it is written out and read back
        let parsed = readBack(configuration.rendered())

        // Then nothing is lost or changed
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.configuration == configuration)
    }

    @Test func everySupportedKeyHasOneLineAndKeysNotNeededHaveNone() {
        let lines = Configuration.defaults.rendered().split(separator: "\n")
        let named = lines.map { line in
            line.split(separator: " ").first { $0 != "#" }.map(String.init) ?? ""
        }
        let supported = ConfigurationKey.all.filter { $0.status == .supported }.map(\.name)
        #expect(named == supported)
    }

    @Test func anUnsetKeyIsACommentSayingWhatThatMeans() {
        let lines = Configuration.defaults.rendered().split(separator: "\n")
        let authservID = lines.first { $0.contains("AuthservID ") }
        #expect(authservID?.hasPrefix("# AuthservID ") == true)
        #expect(authservID?.hasSuffix("(not set: the MTA's host name (milter macro j))") == true)
    }

    @Test func theDefaultsAreWrittenAsTheyWouldBeTyped() {
        let lines = Set(Configuration.defaults.rendered().split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        })
        #expect(lines.contains("Socket inet:8893@127.0.0.1"))
        #expect(lines.contains("HTTPListen 127.0.0.1:8080"))
        #expect(lines.contains("DatabasePath /var/lib/dmarcd/dmarcd.sqlite"))
        #expect(lines.contains("DNSTimeout 5"))
        #expect(lines.contains("LogLevel info"))
        #expect(lines.contains("RejectFailures false"))
        #expect(lines.contains("ReportCommand /usr/sbin/sendmail -t"))
    }
}
