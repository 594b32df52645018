/// What DMARC evaluation concluded for one message: the result, what to do with the message,
/// and everything an Authentication-Results header, a log line or an aggregate report needs.
///
/// Every path through ``DMARCEvaluator/evaluate(_:)`` ends in one of these; a failed check or a
/// DNS failure is data here, never a thrown error.
public struct DMARCOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The DMARC result (RFC 9989 §9.2).
    public var result: DMARCResult
    /// The handling asked of the MTA: the applied policy after `t=y`, `pct=0` or `pct` sampling;
    /// `none` unless the result is `fail`, or an unusable From is rejected by configuration.
    public var disposition: DMARCPolicy
    /// The Author Domain evaluated (lower-case A-label), when there was exactly one.
    public var authorDomain: String?
    /// Why the RFC5322.From field did not give exactly one Author Domain (RFC 9989 §5.3.1).
    public var authorDomainProblem: DMARCAuthorDomainProblem?
    /// The DMARC Policy Domain (RFC 9989 §3.2.5): where the applied record was found.
    public var policyDomain: String?
    /// The Author Domain's Organizational Domain, when evaluation needed it.
    public var organizationalDomain: String?
    /// The DMARC Policy Record applied, as published.
    public var record: DMARCRecord?
    /// For a `fail`: the policy the record asks for and the tag it came from.
    public var appliedPolicy: DMARCAppliedPolicy?
    /// The record asks for testing mode: `t=y`, or `pct=0` in RFC 9989 mode (Appendix A.6).
    public var isTestMode: Bool = false
    /// RFC 7489 mode only: the message fell outside the `pct` sample, so the policy was lowered.
    public var isSampledOut: Bool = false
    /// SPF's identifier and its alignment, when SPF was checked.
    public var spf: DMARCIdentifierCheck?
    /// Each DKIM signature's identifier and its alignment.
    public var dkim: [DMARCIdentifierCheck] = []
    /// Short remarks for the Authentication-Results comment, e.g. "pct=50 ignored (RFC 9989
    /// Appendix A.6)".
    public var notes: [String] = []
    /// A sentence a postmaster can read, saying why the result is what it is.
    public var reason: String = ""
    /// The DNS names queried, in order.
    public var queries: [String] = []
    /// When several Author Domains were evaluated one by one (RFC 9989 §11.5), each one's outcome;
    /// the fields above are then those of the strictest.
    public var authorDomainOutcomes: [DMARCOutcome] = []

    /// An outcome with the given result; the other fields start empty.
    public init(result: DMARCResult, disposition: DMARCPolicy = .none, authorDomain: String? = nil) {
        self.result = result
        self.disposition = disposition
        self.authorDomain = authorDomain
    }

    /// An aligned SPF pass exists (the `spf` of an aggregate report's policy_evaluated).
    public var spfAligned: Bool { spf?.isAlignedPass ?? false }

    /// An aligned DKIM pass exists (the `dkim` of an aggregate report's policy_evaluated).
    public var dkimAligned: Bool { dkim.contains(where: \.isAlignedPass) }

    /// E.g. `fail (p=reject, disposition quarantine) header.from=example.com: ...`.
    public var description: String {
        var text = result.rawValue
        var details: [String] = []
        if let appliedPolicy { details.append(appliedPolicy.description) }
        if disposition != .none || appliedPolicy != nil { details.append("disposition \(disposition)") }
        if !details.isEmpty { text += " (" + details.joined(separator: ", ") + ")" }
        if let authorDomain { text += " header.from=\(authorDomain)" }
        return reason.isEmpty ? text : text + ": " + reason
    }
}
