import Auth
import DNS
import Doctor

extension Configuration {
    /// The site's own mail domains as the configuration names them: the domains of
    /// `ReportEmail`, `FailureReportsSentBy` and `ReportMailbox`, lower-cased, first seen first.
    var ownDomains: [String] {
        let addresses = [reportEmail, failureReportsSentBy].compactMap { $0 } + reportMailboxes
        var domains: [String] = []
        for address in addresses {
            guard let at = address.lastIndex(of: "@") else { continue }
            let domain = address[address.index(after: at)...].lowercased()
            if !domain.isEmpty && !domains.contains(domain) { domains.append(domain) }
        }
        return domains
    }
}

extension Configuration {
    /// The keys dmarcd signs with (`Sign`, `KeyTable`), each with the public half of its private
    /// key when the file can be read, for the doctor to compare with what is published. A key
    /// for whatever the From: domain is (`%`) is looked for at each of ``ownDomains``.
    func signingSelectors() throws -> [DKIMSelector] {
        var selectors: [DKIMSelector] = []
        for key in try signingKeys().allKeys {
            for domain in key.domain == "%" ? ownDomains : [key.domain] {
                let selector = switch key.key {
                case .success(let privateKey): DKIMSelector(domain: domain, selector: key.selector, privateKey: privateKey)
                case .failure: DKIMSelector(domain: domain, selector: key.selector)
                }
                if !selectors.contains(selector) { selectors.append(selector) }
            }
        }
        return selectors
    }

    /// The doctor's checks of ``ownDomains`` and Postfix for the status page's "Setup" page, run
    /// at most every five minutes; nil when the configuration names no domain.
    func setupCheck(resolver: any DNSResolver) -> CachedSetupCheck? {
        guard !ownDomains.isEmpty else { return nil }
        let doctor = SetupDoctor(
            resolver: resolver,
            // A signing table that cannot be read has stopped the daemon's start already.
            site: SetupDoctor.Site(domains: ownDomains, dkimSelectors: (try? signingSelectors()) ?? [],
                                   validatesDNSSEC: dnssecTrustAnchorFile != nil),
            postfix: PostfixCheck(milterSockets: sockets.map(\.postfixNotation)),
            reportTransport: reportTransportCheck)
        return CachedSetupCheck { await doctor.run() }
    }
}

extension Configuration {
    /// How reports leave (`ReportSMTPHost`, else `ReportCommand`), when `AggregateReports` or
    /// `FailureReports` sends any.
    var reportTransportCheck: ReportTransportCheck? {
        guard aggregateReports || failureReports else { return nil }
        if let smarthost = reportSMTPHost {
            return ReportTransportCheck(.smtp(host: smarthost.host, port: smarthost.port))
        }
        return ReportTransportCheck(.command(reportCommand))
    }
}

extension MilterSocketAddress {
    /// The socket as Postfix's `smtpd_milters` names it (MILTER_README): `inet:HOST:PORT`,
    /// `inet:[V6]:PORT`, `unix:PATH`. A socket on every interface is reached on the loopback one.
    var postfixNotation: String {
        switch self {
        case .inet(let host, let port): "inet:\(host ?? "127.0.0.1"):\(port)"
        case .inet6(let host, let port): "inet:[\(host ?? "::1")]:\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}
