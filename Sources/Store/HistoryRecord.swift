import Auth
import Foundation

/// One evaluated message as the history keeps it: what an aggregate report row (RFC 9990
/// `RecordType` and `PolicyPublishedType`) and the status page need, and nothing of the message
/// itself.
///
/// Results are kept in RFC 9990's names, so that rows written by dmarcd and rows imported from
/// OpenDMARC read the same way.
public struct HistoryRecord: Sendable, Hashable {
    /// The DMARC Policy Record as published, as far as reports show it (RFC 9990
    /// `PolicyPublishedType`). Imported OpenDMARC rows lack the tags OpenDMARC did not write.
    public struct PublishedPolicy: Sendable, Hashable {
        /// `p`, `sp` and `np`; nil when absent or not valid.
        public var p: DMARCPolicy?
        public var sp: DMARCPolicy?
        public var np: DMARCPolicy?
        /// `adkim` and `aspf`, defaults included.
        public var adkim: DMARCRecord.AlignmentMode?
        public var aspf: DMARCRecord.AlignmentMode?
        /// `t=y`; nil when not known.
        public var isTesting: Bool?
        /// `pct` as published (RFC 7489 §6.3; gone from RFC 9989).
        public var percent: Int?
        /// `psd` (RFC 9989 §4.7).
        public var publicSuffix: DMARCRecord.PublicSuffixFlag?
        /// `fo` as published (`0`, `1:d`, …).
        public var failureReportOptions: String?
        /// `rua` and `ruf`, each URI as published (with any `!size`).
        public var aggregateReportURIs: [String]
        public var failureReportURIs: [String]
        /// How the record was found (RFC 9990 `DiscoveryType`).
        public var discoveryMethod: DiscoveryMethod?

        public init(p: DMARCPolicy? = nil, sp: DMARCPolicy? = nil, np: DMARCPolicy? = nil,
                    adkim: DMARCRecord.AlignmentMode? = nil, aspf: DMARCRecord.AlignmentMode? = nil,
                    isTesting: Bool? = nil, percent: Int? = nil, publicSuffix: DMARCRecord.PublicSuffixFlag? = nil,
                    failureReportOptions: String? = nil, aggregateReportURIs: [String] = [],
                    failureReportURIs: [String] = [], discoveryMethod: DiscoveryMethod? = nil) {
            self.p = p
            self.sp = sp
            self.np = np
            self.adkim = adkim
            self.aspf = aspf
            self.isTesting = isTesting
            self.percent = percent
            self.publicSuffix = publicSuffix
            self.failureReportOptions = failureReportOptions
            self.aggregateReportURIs = aggregateReportURIs
            self.failureReportURIs = failureReportURIs
            self.discoveryMethod = discoveryMethod
        }
    }

    /// How the policy was discovered (RFC 9990 `DiscoveryType`).
    public enum DiscoveryMethod: String, Sendable, Hashable, CaseIterable {
        /// The Public Suffix List gave the Organizational Domain (RFC 7489 §3.2).
        case psl
        /// The DNS Tree Walk (RFC 9989 §4.10).
        case treewalk
    }

    /// The SPF check (RFC 9990 `SPFAuthResultType`).
    public struct SPF: Sendable, Hashable {
        /// RFC 9990 `SPFDomainScope`; `helo` where RFC 7208 §2.4 made the HELO name the identity.
        public enum Scope: String, Sendable, Hashable, CaseIterable {
            case mfrom
            case helo
        }

        /// The domain checked: the MAIL FROM domain, or the HELO name.
        public var domain: String
        public var scope: Scope
        /// One of RFC 9990's `SPFResultType` names: none pass fail softfail policy neutral
        /// temperror permerror.
        public var result: String
        /// Why, for a person reading the report (`human_result`).
        public var humanResult: String?

        public init(domain: String, scope: Scope, result: String, humanResult: String? = nil) {
            self.domain = domain
            self.scope = scope
            self.result = result
            self.humanResult = humanResult
        }
    }

    /// One DKIM signature's check (RFC 9990 `DKIMAuthResultType`).
    public struct DKIMSignature: Sendable, Hashable {
        /// `d=`; nil when the signature could not be read that far.
        public var domain: String?
        /// `s=`; nil when not known.
        public var selector: String?
        /// One of RFC 9990's `DKIMResultType` names: none pass fail policy neutral temperror
        /// permerror.
        public var result: String
        /// The key's size in bits, once the key was found.
        public var keyBits: Int?
        public var humanResult: String?

        public init(domain: String?, selector: String?, result: String, keyBits: Int? = nil, humanResult: String? = nil) {
            self.domain = domain
            self.selector = selector
            self.result = result
            self.keyBits = keyBits
            self.humanResult = humanResult
        }
    }

    /// The row's number in the store; nil until stored.
    public var id: Int64?
    /// When the verdict was made.
    public var time: Date
    /// The MTA's queue id (OpenDMARC's `job`).
    public var queueID: String?
    /// The host that evaluated the message when it was not this dmarcd (OpenDMARC's `reporter`).
    public var reporter: String?
    /// The SMTP client's address; nil when the MTA did not know it.
    public var clientIP: String?
    /// The HELO name; nil when not known (imported rows).
    public var helo: String?
    /// RFC 9990 `envelope_from`; nil for the null reverse-path.
    public var mailFromDomain: String?
    /// RFC 9990 `envelope_to`: the RCPT TO domains, each once.
    public var recipientDomains: [String]
    /// RFC 9990 `header_from`; nil when the From field gave no single Author Domain.
    public var headerFromDomain: String?
    /// Where the applied DMARC record was found (RFC 9989 §3.2.5).
    public var policyDomain: String?
    /// The DMARC record applied, as published; nil when there was none.
    public var policy: PublishedPolicy?
    /// nil when SPF was not checked.
    public var spf: SPF?
    /// One per DKIM signature, in message order.
    public var dkim: [DKIMSignature]
    /// The ARC chain's validation (`none`, `pass`, `fail`); nil when not checked.
    public var arcResult: String?
    /// RFC 9989 §9.2.
    public var dmarcResult: DMARCResult
    /// An aligned SPF pass exists (RFC 9990 `policy_evaluated/spf`).
    public var spfAligned: Bool
    /// An aligned DKIM pass exists (RFC 9990 `policy_evaluated/dkim`).
    public var dkimAligned: Bool
    /// The handling DMARC asked for, after testing mode and sampling.
    public var requestedDisposition: DMARCPolicy
    /// What was done (RFC 9990 `ActionDispositionType`).
    public var disposition: MessageEvaluation.Disposition
    /// Why the disposition is milder than the one asked for (RFC 9990 `PolicyOverrideReason`).
    public var overrideReason: MessageEvaluation.OverrideReason?
    public var overrideComment: String?
    /// The first From field's value as it arrived (``MessageEvaluation/fromField``); nil for
    /// imported records. Text from the sender: it is shown only escaped.
    public var fromField: String?
    /// The first Subject field's value, the same way.
    public var subject: String?
    /// Why the message passed or failed, in the sentences `dmarcd evaluate` prints; nil for
    /// imported records.
    public var explanation: String?
    /// Tells imported records apart, so that importing the same record twice adds nothing.
    var importKey: Int64?

    /// A record from its parts; the milter's come from ``init(_:discoveryMethod:)``.
    public init(time: Date, queueID: String? = nil, reporter: String? = nil, clientIP: String? = nil, helo: String? = nil,
                mailFromDomain: String? = nil, recipientDomains: [String] = [], headerFromDomain: String? = nil,
                policyDomain: String? = nil, policy: PublishedPolicy? = nil, spf: SPF? = nil, dkim: [DKIMSignature] = [],
                arcResult: String? = nil, dmarcResult: DMARCResult, spfAligned: Bool = false, dkimAligned: Bool = false,
                requestedDisposition: DMARCPolicy = .none, disposition: MessageEvaluation.Disposition,
                overrideReason: MessageEvaluation.OverrideReason? = nil, overrideComment: String? = nil,
                fromField: String? = nil, subject: String? = nil, explanation: String? = nil) {
        self.time = time
        self.queueID = queueID
        self.reporter = reporter
        self.clientIP = clientIP
        self.helo = helo
        self.mailFromDomain = mailFromDomain
        self.recipientDomains = recipientDomains
        self.headerFromDomain = headerFromDomain
        self.policyDomain = policyDomain
        self.policy = policy
        self.spf = spf
        self.dkim = dkim
        self.arcResult = arcResult
        self.dmarcResult = dmarcResult
        self.spfAligned = spfAligned
        self.dkimAligned = dkimAligned
        self.requestedDisposition = requestedDisposition
        self.disposition = disposition
        self.overrideReason = overrideReason
        self.overrideComment = overrideComment
        self.fromField = fromField
        self.subject = subject
        self.explanation = explanation
    }
}
