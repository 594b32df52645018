import DNS

extension SPFEvaluator {
    /// What an evaluation cost in the terms RFC 7208 §4.6.4 limits, beside its outcome: for a
    /// domain owner who wants to know how close a record is to those limits, or how far over.
    public struct LookupCensus: Sendable, Hashable {
        /// The outcome of the evaluation.
        public var outcome: SPFOutcome
        /// DNS-querying terms evaluated (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`),
        /// across every include and redirect; 0 when the deadline passed.
        public var dnsTerms: Int
        /// Terms whose query found no records (RFC 7208 §4.6.4, §11.1).
        public var voidLookups: Int
    }

    /// Evaluates the MAIL FROM identity `postmaster@domain` for `clientIP` and counts its
    /// lookups. The counts stop where the evaluation stops: at the first matching mechanism, or
    /// one past ``Limits/dnsTerms`` or ``Limits/voidLookups``. An evaluator with raised limits
    /// and an address no record covers therefore counts the whole tree of includes.
    public func census(domain: String, clientIP: IPAddress) async -> LookupCensus {
        let domain = SPFDomainName.withoutFinalDot(domain)
        return await evaluate(.mailFrom, sender: "postmaster@\(domain)", domain: domain, helo: domain,
                              clientIP: clientIP)
    }
}
