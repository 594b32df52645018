extension Configuration {
    /// Which DMARC specification decides the policy and organizational domains (`DMARCStandard`).
    public enum DMARCStandard: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// RFC 9989: the DNS tree walk; `pct` other than 0 is ignored.
        case rfc9989
        /// RFC 7489: organizational domains from the Public Suffix List, and `pct` sampling.
        case rfc7489

        /// Reads `rfc9989` or `rfc7489`, in any case.
        init(parsing text: String) throws(ConfigurationValueError) {
            guard let standard = Self(rawValue: text.lowercased()) else {
                throw ConfigurationValueError("\"\(text)\" is not rfc9989 or rfc7489")
            }
            self = standard
        }

        public var description: String { rawValue }
    }
}
