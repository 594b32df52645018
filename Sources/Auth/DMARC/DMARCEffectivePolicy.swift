/// The `p`, `sp` and `np` policies a record is applied with, after the rules for absent and
/// invalid values (RFC 9989 §4.7, §4.10.1; RFC 7489 §6.6.3 step 6).
struct DMARCEffectivePolicy: Sendable, Hashable {
    var policy: DMARCPolicy
    var subdomainPolicy: DMARCPolicy?
    var nonExistentSubdomainPolicy: DMARCPolicy?
    /// Remarks on values that were replaced, for the outcome's notes.
    var notes: [String] = []

    enum Reading: Sendable, Hashable {
        case usable(DMARCEffectivePolicy)
        /// The record cannot be applied; the text says why.
        case unusable(String)
    }

    /// How `record` is applied in `mode`.
    ///
    /// A bad `p`, `sp` or `np` makes the record act as `p=none` when it names at least one valid
    /// `rua` URI, and makes it unusable otherwise (RFC 9989 §4.10.1). An absent `p` is `p=none`
    /// in RFC 9989 (§4.7: "the record is treated as if it included p=none") but falls under the
    /// same rule as a bad one in RFC 7489, where `p` is required (RFC 7489 §6.3).
    static func reading(_ record: DMARCRecord, mode: DMARCEvaluator.Mode) -> Reading {
        var faults = record.policyProblems.map(\.description)
        let requiresPolicyTag: Bool
        let rule: String
        switch mode {
        case .rfc9989: (requiresPolicyTag, rule) = (false, "RFC 9989 §4.10.1")
        case .rfc7489: (requiresPolicyTag, rule) = (true, "RFC 7489 §6.6.3")
        }
        if requiresPolicyTag, !record.hasPolicyTag { faults.insert("no p tag", at: 0) }
        guard faults.isEmpty else {
            let what = faults.joined(separator: ", ")
            guard !record.aggregateReportURIs.isEmpty else {
                return .unusable("\(what), and no valid rua URI, so DMARC is not applied (\(rule))")
            }
            var effective = DMARCEffectivePolicy(policy: .none)
            effective.notes.append("\(what): acting as p=none because rua is valid (\(rule))")
            return .usable(effective)
        }
        var effective = DMARCEffectivePolicy(policy: record.policy ?? .none, subdomainPolicy: record.subdomainPolicy,
                                             nonExistentSubdomainPolicy: record.nonExistentSubdomainPolicy)
        if record.policy == nil { effective.notes.append("no p tag: treated as p=none (RFC 9989 §4.7)") }
        return .usable(effective)
    }

    /// RFC 9989 §4.10.1: `p` for the Author Domain's own record; for a subdomain `np` when the
    /// Author Domain does not exist and `sp` when it does, `p` when the applicable one is absent.
    /// The existence query is made only when the record has an `np` to choose.
    func applied(authorDomain: String, policyDomain: String,
                 lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure) -> (DMARCAppliedPolicy, String) {
        guard authorDomain != policyDomain else { return (DMARCAppliedPolicy(tag: .p, policy: policy), "") }
        if let nonExistentSubdomainPolicy, try await !lookup.exists(authorDomain) {
            return (DMARCAppliedPolicy(tag: .np, policy: nonExistentSubdomainPolicy), " (\(authorDomain) does not exist)")
        }
        if let subdomainPolicy {
            return (DMARCAppliedPolicy(tag: .sp, policy: subdomainPolicy), " (for subdomain \(authorDomain))")
        }
        return (DMARCAppliedPolicy(tag: .p, policy: policy), " (for subdomain \(authorDomain))")
    }
}
