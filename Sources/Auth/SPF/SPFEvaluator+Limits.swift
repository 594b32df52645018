extension SPFEvaluator {
    /// Every bound one SPF check works within. The defaults are the RFC 7208 §4.6.4 numbers.
    public struct Limits: Sendable, Hashable {
        /// DNS-querying terms (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`) in the whole
        /// evaluation, across includes and redirects; one more is permerror (RFC 7208 §4.6.4).
        public var dnsTerms: Int = 10
        /// MX names one `mx` mechanism may look up; needing one more is permerror
        /// (RFC 7208 §4.6.4).
        public var mxNames: Int = 10
        /// PTR names one `ptr` mechanism or `%{p}` macro validates; the rest are ignored
        /// (RFC 7208 §4.6.4).
        public var ptrNames: Int = 10
        /// Terms whose query finds no records (NXDOMAIN or an empty answer); one more is
        /// permerror (RFC 7208 §4.6.4, §11.1).
        public var voidLookups: Int = 2
        /// The time one whole check may take; after it the result is temperror. RFC 7208 §4.6.4
        /// asks for at least 20 seconds, which leaves 10 seconds of Postfix's 30-second milter
        /// command timeout for the rest of the work.
        public var deadline: Duration = .seconds(20)
        /// The longest SPF or explanation record, in bytes, read at all. RFC 7208 §3.4 wants
        /// records to fit a 512-octet DNS message; eight times that is generous, and anything
        /// longer is permerror for an SPF record and ignored for an explanation.
        public var recordLength: Int = 4096
        /// The longest explanation handed back; longer ones are cut (RFC 7208 §6.2 allows it,
        /// and an SMTP reply line has room for about this much, RFC 5321 §4.5.3.1.5).
        public var explanationLength: Int = 400

        /// The RFC 7208 defaults.
        public init() {}
    }
}
