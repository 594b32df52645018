import Auth
import DNS
import Testing

@testable import App
import TestSupport

/// How the values of single keys are read and checked.
@Suite struct ConfigurationValueTests {
    /// The configuration and the diagnostic messages of one `Key value` line.
    private func read(_ line: String) -> (Configuration, [String]) {
        let parser = ConfigurationParser.parsed(line + "\n")
        return (parser.configuration, parser.diagnostics.map(\.message))
    }

    // MARK: Socket

    @Test(arguments: [
        ("inet:8893@127.0.0.1", MilterSocketAddress.inet(host: "127.0.0.1", port: 8893)),
        ("inet:8893", .inet(host: nil, port: 8893)),
        ("inet:8893@[192.0.2.1]", .inet(host: "192.0.2.1", port: 8893)),
        ("inet:54321@localhost", .inet(host: "localhost", port: 54321)),
        ("inet6:8893@::1", .inet6(host: "::1", port: 8893)),
        ("inet6:8893@[::1]", .inet6(host: "::1", port: 8893)),
        ("inet6:8893", .inet6(host: nil, port: 8893)),
        ("local:/run/opendmarc/opendmarc.sock", .unix(path: "/run/opendmarc/opendmarc.sock")),
        ("unix:/var/spool/postfix/dmarcd/dmarcd.sock", .unix(path: "/var/spool/postfix/dmarcd/dmarcd.sock")),
    ])
    func aSocketIsReadIntoItsTypedForm(text: String, expected: MilterSocketAddress) {
        let (configuration, messages) = read("Socket \(text)")
        #expect(configuration.sockets == [expected])
        #expect(messages.isEmpty)
    }

    @Test func severalSocketsGiveOneListenerEach() {
        let (configuration, messages) = read("Socket inet:8893@127.0.0.1, inet6:8893@::1 , local:/run/dmarcd/milter.sock")
        #expect(configuration.sockets == [.inet(host: "127.0.0.1", port: 8893), .inet6(host: "::1", port: 8893),
                                          .unix(path: "/run/dmarcd/milter.sock")])
        #expect(messages.isEmpty)
    }

    @Test(arguments: [
        ("8893", "Socket: \"8893\" is not a socket; use inet:PORT@HOST, inet6:PORT@HOST or local:PATH"),
        ("tcp:8893@127.0.0.1", "Socket: \"tcp:\" in \"tcp:8893@127.0.0.1\" is not a socket type; use inet:PORT@HOST, inet6:PORT@HOST or local:PATH"),
        ("inet:70000@127.0.0.1", "Socket: \"70000\" in \"inet:70000@127.0.0.1\" is not a port number from 1 to 65535"),
        ("inet:0", "Socket: \"0\" in \"inet:0\" is not a port number from 1 to 65535"),
        ("inet:8893@", "Socket: \"inet:8893@\" has no host after @"),
        ("inet:8893@::1", "Socket: \"inet:8893@::1\": inet: needs an IPv4 address; use inet6: for ::1"),
        ("inet6:8893@127.0.0.1", "Socket: \"inet6:8893@127.0.0.1\": inet6: needs an IPv6 address; use inet: for 127.0.0.1"),
        ("inet:8893@300.1.1.1", "Socket: \"300.1.1.1\" in \"inet:8893@300.1.1.1\" is not a host name or IP address"),
        ("local:", "Socket: \"local:\" has no path after local:"),
        (" , ", "Socket: names no inet:PORT@HOST, inet6:PORT@HOST or local:PATH"),
    ])
    func aBadSocketIsAnErrorSayingWhy(text: String, message: String) {
        let (configuration, messages) = read("Socket \(text)")
        #expect(configuration.sockets == Configuration.defaults.sockets)
        #expect(messages == [message])
    }

    // MARK: HTTPListen

    @Test(arguments: [
        ("127.0.0.1:8080", Configuration.ListenAddress(host: "127.0.0.1", port: 8080)),
        ("[::1]:8081", Configuration.ListenAddress(host: "::1", port: 8081)),
        ("status.example.com:443", Configuration.ListenAddress(host: "status.example.com", port: 443)),
    ])
    func aListenAddressIsHostColonPort(text: String, expected: Configuration.ListenAddress) {
        let (configuration, messages) = read("HTTPListen \(text)")
        #expect(configuration.httpListenAddress == expected)
        #expect(messages.isEmpty)
    }

    @Test(arguments: [
        ("8080", "HTTPListen: \"8080\" is not HOST:PORT, like 127.0.0.1:8080"),
        ("::1:8080", "HTTPListen: \"::1:8080\": write an IPv6 address in brackets, like [::1]:8080"),
        ("[127.0.0.1]:8080", "HTTPListen: \"127.0.0.1\" in \"[127.0.0.1]:8080\" is not an IPv6 address"),
        ("127.0.0.1:http", "HTTPListen: \"http\" in \"127.0.0.1:http\" is not a port number from 1 to 65535"),
    ])
    func aBadListenAddressIsAnError(text: String, message: String) {
        #expect(read("HTTPListen \(text)").1 == [message])
    }

    // MARK: Lists

    @Test func aListIsSplitAtCommasWithItemsTrimmedAndEmptyOnesDropped() {
        let (configuration, messages) = read("IgnoreMailFrom  Example.COM ,example.net,, example.org.")
        #expect(configuration.ignoreMailFrom == ["example.com", "example.net", "example.org"])
        #expect(messages.isEmpty)
    }

    @Test func aListItemThatIsNotADomainIsAnError() {
        #expect(read("TrustedARCSealers google.com, user@example.com").1 == [
            "TrustedARCSealers: \"user@example.com\" is not a domain name",
        ])
    }

    @Test func nameserversAreAddressesWithAnOptionalPort() throws {
        let (configuration, messages) = read("Nameservers 192.0.2.53, ::1@5353")
        #expect(configuration.nameservers == [
            Configuration.Nameserver(address: try #require(IPAddress("192.0.2.53"))),
            Configuration.Nameserver(address: try #require(IPAddress("::1")), port: 5353),
        ])
        #expect(messages.isEmpty)
    }

    @Test func aNameserverMustBeAnAddress() {
        #expect(read("Nameservers ns1.example.com").1 == [
            "Nameservers: \"ns1.example.com\" is not an IP address; a name server is IP or IP@PORT",
        ])
    }

    @Test func trustedAuthservIDsFallBackToTheAuthservIDAsInOpenDMARC() {
        #expect(Configuration.defaults.effectiveTrustedAuthservIDs == ["HOSTNAME"])
        #expect(read("AuthservID mx.example.com").0.effectiveTrustedAuthservIDs == ["mx.example.com"])
        #expect(read("TrustedAuthservIDs a.example, b.example").0.effectiveTrustedAuthservIDs == ["a.example", "b.example"])
    }

    // MARK: Numbers and names

    @Test func umaskWithALeadingZeroIsOctal() {
        let (configuration, messages) = read("UMask 0002")
        #expect(configuration.umask == 0o002)
        #expect(messages.isEmpty)
    }

    @Test func umaskWithoutALeadingZeroIsDecimalAsInOpenDMARCWithAWarning() {
        let (configuration, messages) = read("UMask 22")
        #expect(configuration.umask == 22)
        #expect(messages == ["UMask: 22 is read as a decimal number (octal 0026), as OpenDMARC does; start it with 0 to write octal"])
    }

    @Test func umaskBeyond0777IsAnError() {
        #expect(read("UMask 01000").1 == ["UMask: \"01000\" is not a file mode mask from 000 to 0777"])
    }

    @Test func dnsTimeoutIsWholeSeconds() {
        #expect(read("DNSTimeout 3").0.dnsTimeout == .seconds(3))
        #expect(read("DNSTimeout 301").1 == ["DNSTimeout: 301 seconds is more than 300; Postfix gives up on the milter long before"])
    }

    @Test func dnsTimeoutZeroKeepsTheDefaultWithAWarning() {
        let (configuration, messages) = read("DNSTimeout 0")
        #expect(configuration.dnsTimeout == .seconds(5))
        #expect(messages == ["DNSTimeout: 0 (wait forever) is not supported; dmarcd keeps the default of 5 seconds"])
    }

    @Test func logLevelIsOneOfSwiftLogsLevelsInAnyCase() {
        #expect(read("LogLevel Notice").0.logLevel == .notice)
        #expect(read("LogLevel loud").1 == [
            "LogLevel: \"loud\" is not a log level; use one of trace, debug, info, notice, warning, error, critical",
        ])
    }

    @Test func userIDIsUserOrUserColonGroup() {
        #expect(read("UserID dmarcd:postfix").0.userID == Configuration.UserID(user: "dmarcd", group: "postfix"))
        #expect(read("UserID dmarcd:").1 == ["UserID: \"dmarcd:\" is not user or user:group"])
    }

    @Test func rejectStringTakesAtMostOnePercentS() {
        #expect(read("RejectString %s fails DMARC").0.rejectString == "%s fails DMARC")
        #expect(read("RejectString %s and %s").1 == [
            "RejectString: \"%s and %s\" has more than one %s; only one From: domain is put in",
        ])
    }

    @Test func anAuthservIDCannotHoldASpace() {
        #expect(read("AuthservID mx example").1 == ["AuthservID: \"mx example\" is not one authserv-id; it contains a space"])
    }
}

struct ConfigurationAuthenticationTests {
    private func settings(_ lines: String) throws -> MessageAuthenticator.Settings {
        try ConfigurationParser.parsedWithoutErrors(lines).configuration.authenticatorSettings(hostName: "mx.example.test")
    }

    @Test(arguments: [
        ("", DMARCEvaluator.AuthorDomainHandling.evaluateEach),
        ("MultiValueFrom skip\n", .skip),
        ("MultiValueFrom REJECT\n", .reject),
        ("RejectMultiValueFrom true\nMultiValueFrom skip\n", .reject),
    ])
    func fromFieldHandlingFollowsTheKeys(lines: String, handling: DMARCEvaluator.AuthorDomainHandling) throws {
        #expect(try settings(lines).dmarc.authorDomainHandling == handling)
    }

    @Test func authservIDDefaultsToTheHostNameAndHOSTNAMEMeansItToo() throws {
        #expect(try settings("").authservID == "mx.example.test")
        #expect(try settings("AuthservID HOSTNAME\n").authservID == "mx.example.test")
        #expect(try settings("AuthservID mail.example.org\n").authservID == "mail.example.org")
    }

    @Test func rfc7489StandardLoadsThePublicSuffixList() throws {
        let list = Fixtures.corpus("publicsuffix/public_suffix_list.dat").path
        guard case .rfc7489 = try settings("DMARCStandard rfc7489\nPublicSuffixList \(list)\n").dmarc.mode else {
            Issue.record("expected RFC 7489 mode")
            return
        }
        #expect(throws: ConfigurationLoadError.self) {
            try settings("DMARCStandard rfc7489\nPublicSuffixList /nonexistent/list.dat\n")
        }
    }

    @Test func spfResultsOfTrustedHostsAreUsedOnlyWhenNotCheckingSPF() throws {
        let settings = try settings("SPFSelfValidate false\nTrustedAuthservIDs gw.example.test, HOSTNAME\n")
        #expect(!settings.checksSPF)
        #expect(settings.trustedAuthservIDs == ["gw.example.test", "mx.example.test"])
    }
}
