/// Everything the checks of one message found, and the Authentication-Results field that
/// reports it.
public struct MessageVerdict: Sendable, Hashable {
    public var authservID: String
    /// SPF's outcome; nil when the client's address was unknown.
    public var spf: SPFOutcome?
    /// One result per DKIM signature, in message order.
    public var dkim: [DKIMResult]
    /// The Authenticated Received Chain's validation; `none` without ARC fields.
    public var arc: ARCResult
    public var dmarc: DMARCOutcome
    /// The trusted ARC sealer whose record of an upstream DMARC pass lifted the disposition of
    /// a failing message to none (RFC 9990's `trusted_forwarder` override); nil otherwise.
    public var trustedARCSealer: String?
    /// Positions (from 1, among the message's Authentication-Results fields) of the fields that
    /// claim our authserv-id; RFC 8601 §5 asks for them to be removed.
    public var forgedAuthenticationResults: [Int]

    public init(authservID: String, spf: SPFOutcome?, dkim: [DKIMResult],
                arc: ARCResult = ARCResult(status: .none, reason: "no ARC header fields"), dmarc: DMARCOutcome,
                trustedARCSealer: String? = nil, forgedAuthenticationResults: [Int]) {
        self.authservID = authservID
        self.spf = spf
        self.dkim = dkim
        self.arc = arc
        self.dmarc = dmarc
        self.trustedARCSealer = trustedARCSealer
        self.forgedAuthenticationResults = forgedAuthenticationResults
    }

    /// One field for all the checks: `spf=`, one `dkim=` per signature, `arc=` when the message
    /// has ARC fields, then `dmarc=`.
    public var authenticationResults: AuthenticationResultsHeader {
        var results: [AuthenticationResult] = []
        if let spf { results.append(spf.authenticationResult) }
        results += DKIMResult.authenticationResults(for: dkim)
        if arc.status != .none { results.append(arc.authenticationResult) }
        results.append(dmarc.authenticationResult)
        return AuthenticationResultsHeader(authservID: authservID, results: results)
    }

    /// What happened and why, in sentences a postmaster can read.
    public var explanation: String {
        var lines: [String] = []
        if let spf {
            lines.append("SPF \(spf.result) for \(spf.sender) from \(spf.clientIP)"
                         + (spf.mechanism.map { " (matched \($0))" } ?? "")
                         + (spf.reason.map { ": \($0)" } ?? "") + ".")
        } else {
            lines.append("SPF not checked: the client's address is unknown.")
        }
        if dkim.isEmpty { lines.append("No DKIM signature.") }
        for result in dkim { lines.append("\(result.description).") }
        if arc.status != .none { lines.append("ARC \(arc.status) with \(arc.instanceCount) sets: \(arc.reason).") }
        if let trustedARCSealer {
            lines.append("Disposition none: the trusted ARC sealer \(trustedARCSealer) saw DMARC pass before the message changed.")
        }
        lines.append("DMARC \(dmarc.result): \(dmarc.reason)")
        return lines.joined(separator: "\n")
    }
}

extension DMARCOutcome {
    /// The `dmarc=` resinfo in the shape OpenDMARC writes, so that existing Sieve and amavis rules
    /// keep working: `dmarc=fail (p=reject dis=reject) header.from=example.com`, with any notes
    /// (testing mode, ignored pct) after the policy in the comment.
    public var authenticationResult: AuthenticationResult {
        var comment: [String] = []
        if let policy = appliedPolicy?.policy ?? record?.policy {
            comment.append("p=\(policy.rawValue) dis=\(disposition.rawValue)")
        }
        comment += notes
        var properties: [AuthenticationResult.Property] = []
        if let authorDomain { properties.append(.init(ptype: "header", name: "from", value: authorDomain)) }
        return AuthenticationResult(method: "dmarc", result: result.rawValue,
                                    comment: comment.isEmpty ? nil : comment.joined(separator: "; "),
                                    properties: properties)
    }
}
