import DNS

/// Checks a site's own setup, SPF, DMARC and DKIM for each of its domains, Postfix's milter
/// settings and the resolver, and says for each what is wrong and how to fix it.
///
/// Every check reads the DNS through ``resolver`` with the parsers and evaluators the milter
/// uses, so the doctor sees the records exactly as dmarcd does when mail arrives.
public struct SetupDoctor: Sendable {
    /// What the doctor is told about the site.
    public struct Site: Sendable, Hashable {
        /// The site's mail domains.
        public var domains: [String]
        /// The addresses the site sends mail from; each must pass the SPF of each domain.
        public var publicIPs: [IPAddress]
        /// The DKIM keys the site signs with.
        public var dkimSelectors: [DKIMSelector]
        /// True when the resolver validates DNSSEC.
        public var validatesDNSSEC: Bool

        public init(domains: [String], publicIPs: [IPAddress] = [], dkimSelectors: [DKIMSelector] = [],
                    validatesDNSSEC: Bool = false) {
            self.domains = domains
            self.publicIPs = publicIPs
            self.dkimSelectors = dkimSelectors
            self.validatesDNSSEC = validatesDNSSEC
        }
    }

    public var resolver: any DNSResolver
    public var site: Site
    /// Postfix's side of the milter chain; nil leaves Postfix unchecked.
    public var postfix: PostfixCheck?
    /// How reports leave; nil when the site sends none.
    public var reportTransport: ReportTransportCheck?

    public init(resolver: any DNSResolver, site: Site, postfix: PostfixCheck? = nil,
                reportTransport: ReportTransportCheck? = nil) {
        self.resolver = resolver
        self.site = site
        self.postfix = postfix
        self.reportTransport = reportTransport
    }

    /// Every check: the resolver, Postfix, the report transport, then each domain and each DKIM key.
    public func run() async -> [Finding] {
        var findings: [Finding] = []
        if let probe = site.domains.first {
            findings += await ResolverCheck(resolver: resolver, validatesDNSSEC: site.validatesDNSSEC, probe: probe).run()
        }
        if let postfix { findings += postfix.run() }
        if let reportTransport { findings += reportTransport.run() }
        for domain in site.domains {
            findings += await check(domain: domain)
        }
        for key in site.dkimSelectors where !site.domains.contains(key.domain) {
            findings += await check(key)
        }
        return findings
    }

    /// SPF and DMARC of `domain`, and the DKIM keys of the site that sign for it.
    public func check(domain: String) async -> [Finding] {
        var findings = await SPFCheck(resolver: resolver, domain: domain, publicIPs: site.publicIPs).run()
        findings += await DMARCCheck(resolver: resolver, domain: domain).run()
        for key in site.dkimSelectors where key.domain == domain {
            findings += await check(key)
        }
        return findings
    }

    /// One DKIM key.
    public func check(_ key: DKIMSelector) async -> [Finding] {
        await DKIMCheck(resolver: resolver, key: key).run()
    }
}
