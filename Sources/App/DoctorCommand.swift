import ArgumentParser
import Auth
import DNS
import Doctor
import Foundation

/// `dmarcd doctor [DOMAIN…]`: checks the site's own SPF, DMARC and DKIM records, Postfix's
/// milter settings and the resolver, and says what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this site's SPF, DKIM and DMARC records and its Postfix setup, and explain what to fix.",
        discussion: """
            Without DOMAIN, the domains named in the configuration are checked: those of \
            ReportEmail, FailureReportsSentBy and ReportMailbox. Each finding has a level (ok, \
            warn, error), why it matters and the record or line that fixes it. The exit status is \
            0 without errors, 1 when an error was found, 64 for a command line it cannot use \
            (no domain to check, an unusable --ip or --selector, an unknown option).
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "The mail domains to check.")
    var domains: [String] = []

    @Flag(help: "Print the findings as JSON.")
    var json = false

    @Option(name: .customLong("ip"), help: ArgumentHelp("An address this site sends mail from; the SPF record must cover it.", valueName: "ADDR"))
    var addresses: [String] = []

    @Option(name: .customLong("selector"),
            help: ArgumentHelp("A DKIM key the site signs with, and optionally the PEM file of its private key.",
                               valueName: "DOMAIN:SELECTOR[:KEYFILE]"))
    var selectors: [String] = []

    @Option(help: ArgumentHelp("A DNS server to ask instead of the configured one.", valueName: "HOST:PORT"))
    var resolver: String?

    @Option(help: ArgumentHelp("The postconf program.", valueName: "PATH"))
    var postconf = "/usr/sbin/postconf"

    @Option(help: ArgumentHelp("A Postfix configuration directory (postconf -c).", valueName: "DIR"))
    var postfixConfig: String?

    @Flag(help: "Leave Postfix's settings unchecked.")
    var noPostfix = false

    func run() async throws {
        let configuration = try options.load()
        let site = try Self.site(domains: domains, addresses: addresses, selectors: selectors, configuration: configuration)
        let forwarder = try resolver.map(EvaluateCommand.forwarder)
        var resolverOptions = configuration.resolverOptions
        if let forwarder { resolverOptions.forwarders = [forwarder] }
        let dns = try UnboundResolver(options: resolverOptions)
        defer { dns.shutdown() }
        let postfix = noPostfix ? nil : PostfixCheck(milterSockets: configuration.sockets.map(\.postfixNotation),
                                                     postconf: postconf, configDirectory: postfixConfig)
        let findings = await SetupDoctor(resolver: dns, site: site, postfix: postfix,
                                         reportTransport: configuration.reportTransportCheck).run()
        let report = FindingsReport(findings)
        if json {
            FileHandle.standardOutput.write(report.json + Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(report.text.utf8))
        }
        if report.errors > 0 { throw ExitCode.failure }
    }

    /// What the command line and the configuration say about the site.
    static func site(domains: [String], addresses: [String], selectors: [String],
                     configuration: Configuration) throws -> SetupDoctor.Site {
        let named = domains.isEmpty ? configuration.ownDomains : domains.map { $0.lowercased() }
        guard !named.isEmpty else {
            throw ValidationError("no domain to check: name one (dmarcd doctor example.com), or set ReportEmail in the configuration")
        }
        let ips = try addresses.map { text in
            guard let address = IPAddress(text) else { throw ValidationError("--ip \(text) is not an IP address") }
            return address
        }
        let keys = try selectors.map { text in
            let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--selector \(text) is not DOMAIN:SELECTOR[:KEYFILE]")
            }
            let (domain, selector) = (parts[0].lowercased(), String(parts[1]))
            guard parts.count == 3 else { return DKIMSelector(domain: domain, selector: selector) }
            do {
                return DKIMSelector(domain: domain, selector: selector,
                                    privateKey: try DKIMPrivateKey(contentsOfFile: String(parts[2])))
            } catch {
                throw ValidationError("--selector \(text): \(error)")
            }
        }
        return SetupDoctor.Site(domains: named, publicIPs: ips,
                                dkimSelectors: keys.isEmpty ? try configuration.signingSelectors() : keys,
                                validatesDNSSEC: configuration.dnssecTrustAnchorFile != nil)
    }
}
