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
    /// The doctor's checks of ``ownDomains`` and Postfix for the status page's "Setup" page, run
    /// at most every five minutes; nil when the configuration names no domain.
    func setupCheck(resolver: any DNSResolver) -> CachedSetupCheck? {
        guard !ownDomains.isEmpty else { return nil }
        let doctor = SetupDoctor(
            resolver: resolver,
            site: SetupDoctor.Site(domains: ownDomains, validatesDNSSEC: dnssecTrustAnchorFile != nil),
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
