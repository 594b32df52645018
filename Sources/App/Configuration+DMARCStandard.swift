extension Configuration {
    /// Which DMARC specification decides the policy and organizational domains (`DMARCStandard`).
    public enum DMARCStandard: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// RFC 9989: the DNS tree walk; `pct` other than 0 is ignored.
        case rfc9989
        /// RFC 7489: organizational domains from the Public Suffix List, and `pct` sampling.
        case rfc7489

        public var description: String { rawValue }
    }
}
