extension DMARCEvaluator {
    /// Bounds on the work one message can cause, each checked before the work is done.
    public struct Limits: Sendable, Hashable {
        /// DNS queries for one message over all Tree Walks and the existence check. Each walk
        /// makes at most eight (RFC 9989 §4.10); the Author Domain's walk, the existence check and
        /// the walks for a few identifiers fit well within the default.
        public var dnsQueries: Int
        /// Author Domains evaluated when one message has several (RFC 9989 §11.5: "Limiting the
        /// number of Author Domains processed will avoid this risk").
        public var authorDomains: Int
        /// DKIM results looked at for alignment; further signatures are left out.
        public var dkimSignatures: Int
        /// Bytes of one From field that are read; a longer field counts as unreadable.
        public var fromFieldBytes: Int

        /// Limits with the given bounds; the defaults suit a small mail server.
        public init(dnsQueries: Int = 40, authorDomains: Int = 5, dkimSignatures: Int = 20, fromFieldBytes: Int = 8192) {
            self.dnsQueries = dnsQueries
            self.authorDomains = authorDomains
            self.dkimSignatures = dkimSignatures
            self.fromFieldBytes = fromFieldBytes
        }
    }
}
