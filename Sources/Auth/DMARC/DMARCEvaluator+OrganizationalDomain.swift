extension DMARCEvaluator {
    /// The Organizational Domain of `domain` as this evaluator's mode determines it: the DNS Tree
    /// Walk of RFC 9989 §4.10.2, or the Public Suffix List of RFC 7489 §3.2.
    ///
    /// Report delivery needs it too: RFC 9990 §4 verifies a report destination only when its
    /// Organizational Domain differs from the policy's. A name that is not a DNS host name is
    /// returned in lower case as its own Organizational Domain.
    public func organizationalDomain(of domain: String) async throws(DMARCLookupFailure) -> String {
        guard let name = DMARCDomainName.normalized(domain) else { return domain.lowercased() }
        switch configuration.mode {
        case .rfc9989:
            var lookup = DMARCRecordLookup(resolver: resolver, limit: configuration.limits.dnsQueries)
            let findings = try await DMARCTreeWalk.walk(from: name, lookup: &lookup)
            return DMARCTreeWalk.organizationalDomain(of: name, findings: findings)
        case .rfc7489(let publicSuffixList):
            return publicSuffixList.organizationalDomain(of: name)
        }
    }
}
