import Auth
import DNS

extension AggregateReport {
    /// One `record`: the messages from one source address that share one evaluation and one set
    /// of identifiers and authentication results (RFC 9990 §3.1.1.7 "One record (IP, result,
    /// authentication identifiers) per tuple").
    public struct Record: Sendable, Hashable {
        /// Why the disposition differs from the published policy (RFC 9990 §3.1.6).
        public struct Reason: Sendable, Hashable {
            public var type: MessageEvaluation.OverrideReason
            public var comment: String?

            public init(type: MessageEvaluation.OverrideReason, comment: String? = nil) {
                self.type = type
                self.comment = comment
            }
        }

        /// One DKIM signature's result, uninterpreted with respect to DMARC (RFC 9990 §3.1.1.12).
        public struct DKIMResult: Sendable, Hashable {
            /// The `d=` tag.
            public var domain: String
            /// The `s=` tag; required since RFC 9990 (Appendix C), missing in some older reports.
            public var selector: String?
            /// One of RFC 8601 §2.7.1's results.
            public var result: DMARCAuthResult
            public var humanResult: String?

            public init(domain: String, selector: String?, result: DMARCAuthResult, humanResult: String? = nil) {
                self.domain = domain
                self.selector = selector
                self.result = result
                self.humanResult = humanResult
            }
        }

        /// The SPF result of the MAIL FROM identity (RFC 9990 §3.1.1.13).
        public struct SPFResult: Sendable, Hashable {
            public var domain: String
            /// `mfrom`, the only scope RFC 9990 allows; received RFC 7489 reports may say `helo`.
            public var scope: String?
            /// One of RFC 8601 §2.7.2's results.
            public var result: DMARCAuthResult
            public var humanResult: String?

            public init(domain: String, scope: String? = "mfrom", result: DMARCAuthResult, humanResult: String? = nil) {
                self.domain = domain
                self.scope = scope
                self.result = result
                self.humanResult = humanResult
            }
        }

        /// The connecting address.
        public var sourceIP: IPAddress
        /// The number of messages.
        public var count: Int
        /// What was done with the messages (`policy_evaluated/disposition`).
        public var disposition: MessageEvaluation.Disposition
        /// An aligned DKIM pass existed (`policy_evaluated/dkim`).
        public var dkimAligned: Bool
        /// An aligned SPF pass existed (`policy_evaluated/spf`).
        public var spfAligned: Bool
        public var reasons: [Reason]
        /// The RFC5322.From domain.
        public var headerFrom: String
        /// The RFC5321.MailFrom domain; "" for the null reverse-path (RFC 9990 §3.1.1.10), nil
        /// when not reported.
        public var envelopeFrom: String?
        /// The RFC5321.RcptTo domain.
        public var envelopeTo: String?
        public var dkim: [DKIMResult]
        public var spf: SPFResult?

        public init(sourceIP: IPAddress, count: Int, disposition: MessageEvaluation.Disposition,
                    dkimAligned: Bool, spfAligned: Bool, reasons: [Reason] = [], headerFrom: String,
                    envelopeFrom: String? = nil, envelopeTo: String? = nil,
                    dkim: [DKIMResult] = [], spf: SPFResult? = nil) {
            self.sourceIP = sourceIP
            self.count = count
            self.disposition = disposition
            self.dkimAligned = dkimAligned
            self.spfAligned = spfAligned
            self.reasons = reasons
            self.headerFrom = headerFrom
            self.envelopeFrom = envelopeFrom
            self.envelopeTo = envelopeTo
            self.dkim = dkim
            self.spf = spf
        }
    }
}
