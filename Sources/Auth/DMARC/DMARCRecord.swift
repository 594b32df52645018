/// A DMARC Policy Record (RFC 9989 §3.2.6, §4.7), as read from a `_dmarc` TXT record by
/// ``init(parsing:)``.
///
/// Values that were published but not valid do not make the record fail to parse: RFC 9989 §4.8
/// says they "MUST be discarded in favor of default values (if any) or ignored outright". The
/// record keeps each such value in ``problems`` so that the evaluator can apply the special
/// rule for a bad `p`, `sp` or `np` (RFC 9989 §4.10.1) and people can see what was wrong.
public struct DMARCRecord: Sendable, Hashable, CustomStringConvertible {
    /// Identifier Alignment mode, the value of `adkim` and `aspf` (RFC 9989 §4.7 `dmarc-rors`).
    public enum AlignmentMode: String, Sendable, Hashable, CustomStringConvertible {
        /// `r`: the two domains have the same Organizational Domain (RFC 9989 §3.2.10.1).
        case relaxed = "r"
        /// `s`: the two domains are identical (RFC 9989 §3.2.10.2).
        case strict = "s"

        public var description: String { self == .relaxed ? "relaxed" : "strict" }
    }

    /// The `psd` flag (RFC 9989 §4.7 `dmarc-psd`), which steers the DNS Tree Walk (§4.10).
    public enum PublicSuffixFlag: String, Sendable, Hashable {
        /// `y`: the domain is a Public Suffix Domain.
        case yes = "y"
        /// `n`: the domain is an Organizational Domain for itself and its subdomains.
        case no = "n"
        /// `u` (the default): not said; the Tree Walk decides.
        case unknown = "u"
    }

    /// One failure reporting option of the `fo` tag (RFC 9989 §4.7).
    public enum FailureReportOption: String, Sendable, Hashable {
        /// `0`: report when all mechanisms fail to produce an aligned pass.
        case allFail = "0"
        /// `1`: report when any mechanism fails to produce an aligned pass.
        case anyFail = "1"
        /// `d`: report every failed DKIM signature.
        case dkim = "d"
        /// `s`: report every SPF failure.
        case spf = "s"
    }

    /// A published value that could not be used, and why.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The tag name in lower case, or "" for text that was not a tag at all.
        public var tag: String
        /// The value as published.
        public var value: String
        /// What was wrong and what was used instead.
        public var reason: String

        public var description: String {
            tag.isEmpty ? "\"\(value)\": \(reason)" : "\(tag)=\(value): \(reason)"
        }
    }

    /// Why a TXT record is not a DMARC Policy Record at all.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Why the text is not a DMARC Policy Record.
        public var reason: String
        public var description: String { reason }
    }

    /// The record text as published (the TXT strings joined, RFC 9989 §4.5).
    public var text: String
    /// `p`; nil when absent or not valid (see ``problems``).
    public var policy: DMARCPolicy?
    /// `sp`, for existing subdomains; nil when absent or not valid.
    public var subdomainPolicy: DMARCPolicy?
    /// `np`, for non-existent subdomains; nil when absent or not valid.
    public var nonExistentSubdomainPolicy: DMARCPolicy?
    /// `adkim`, relaxed by default.
    public var dkimAlignment: AlignmentMode = .relaxed
    /// `aspf`, relaxed by default.
    public var spfAlignment: AlignmentMode = .relaxed
    /// `psd`, unknown by default.
    public var publicSuffix: PublicSuffixFlag = .unknown
    /// `t=y`: the Domain Owner is testing its policy (RFC 9989 §4.7).
    public var isTesting: Bool = false
    /// `pct` as published (0–100), kept though RFC 9989 Appendix C.5.2 removed it: the evaluator
    /// reads `pct=0` as `t=y` (Appendix A.6) and RFC 7489 mode samples with it.
    public var percent: Int?
    /// `rua`, the valid aggregate report URIs in published order.
    public var aggregateReportURIs: [DMARCReportURI] = []
    /// `ruf`, the valid failure report URIs in published order.
    public var failureReportURIs: [DMARCReportURI] = []
    /// `fo`, `0` by default; RFC 9989 §4.7 says to ignore it without `ruf`.
    public var failureReportOptions: [FailureReportOption] = [.allFail]
    /// `rf` (RFC 7489 §6.3, historic in RFC 9989 §9.3): requested failure report formats.
    public var failureReportFormats: [String] = []
    /// `ri` (RFC 7489 §6.3, historic in RFC 9989 §9.3): requested seconds between aggregate reports.
    public var reportInterval: UInt32?
    /// Published values that were not valid and were replaced by defaults or ignored.
    public var problems: [Problem] = []

    /// The problems with `p`, `sp` or `np`, which RFC 9989 §4.10.1 treats specially.
    public var policyProblems: [Problem] {
        problems.filter { $0.tag == "p" || $0.tag == "sp" || $0.tag == "np" }
    }

    /// True when the record carries a `p` tag, valid or not.
    public var hasPolicyTag: Bool {
        policy != nil || problems.contains { $0.tag == "p" }
    }

    public var description: String { text }
}
