import Auth

extension AggregateReport {
    /// The DMARC Policy Record as the receiver saw it, with defaults for unspecified tags
    /// (RFC 9990 §3.1.1.5).
    public struct PolicyPublished: Sendable, Hashable {
        /// How the DMARC Policy Record was found.
        public enum DiscoveryMethod: String, Sendable, Hashable, CaseIterable {
            /// The Public Suffix List of RFC 7489.
            case psl
            /// The DNS Tree Walk of RFC 9989 §4.10.
            case treewalk
        }

        /// The DMARC Policy Domain.
        public var domain: String
        public var discoveryMethod: DiscoveryMethod?
        /// `p`.
        public var policy: DMARCPolicy
        /// `sp`.
        public var subdomainPolicy: DMARCPolicy?
        /// `np`.
        public var nonExistentSubdomainPolicy: DMARCPolicy?
        /// `adkim`.
        public var dkimAlignment: DMARCRecord.AlignmentMode?
        /// `aspf`.
        public var spfAlignment: DMARCRecord.AlignmentMode?
        /// `t`: `y` when the Domain Owner is testing.
        public var testing: Bool?
        /// `fo`, as the colon-separated list the record carries.
        public var failureReportingOptions: String?

        public init(domain: String, discoveryMethod: DiscoveryMethod? = nil, policy: DMARCPolicy,
                    subdomainPolicy: DMARCPolicy? = nil, nonExistentSubdomainPolicy: DMARCPolicy? = nil,
                    dkimAlignment: DMARCRecord.AlignmentMode? = nil, spfAlignment: DMARCRecord.AlignmentMode? = nil,
                    testing: Bool? = nil, failureReportingOptions: String? = nil) {
            self.domain = domain
            self.discoveryMethod = discoveryMethod
            self.policy = policy
            self.subdomainPolicy = subdomainPolicy
            self.nonExistentSubdomainPolicy = nonExistentSubdomainPolicy
            self.dkimAlignment = dkimAlignment
            self.spfAlignment = spfAlignment
            self.testing = testing
            self.failureReportingOptions = failureReportingOptions
        }

        /// The configuration a parsed record publishes at `domain`. Tags left out get their
        /// RFC 9989 §4.7 defaults, as RFC 9990 §3.1.1.5 asks: `sp` is `p`, `np` is `sp`, and a
        /// record without a valid `p` counts as `p=none` (RFC 9989 §4.7, §4.10.1).
        public init(record: DMARCRecord, domain: String, discoveryMethod: DiscoveryMethod?) {
            let policy = record.policy ?? .none
            let subdomainPolicy = record.subdomainPolicy ?? policy
            self.init(domain: domain, discoveryMethod: discoveryMethod, policy: policy,
                      subdomainPolicy: subdomainPolicy,
                      nonExistentSubdomainPolicy: record.nonExistentSubdomainPolicy ?? subdomainPolicy,
                      dkimAlignment: record.dkimAlignment, spfAlignment: record.spfAlignment,
                      testing: record.isTesting,
                      failureReportingOptions: record.failureReportOptions.map(\.rawValue).joined(separator: ":"))
        }
    }
}
