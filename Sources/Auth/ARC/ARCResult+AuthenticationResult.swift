extension ARCResult {
    /// This result as an RFC 8601 `arc=` resinfo (RFC 8617 §10.1, §10.2): the instance count
    /// and the sealing domains in a comment, the reason when the chain did not pass, and
    /// `header.oldest-pass` when it is known.
    ///
    /// For example `arc=pass (i=2 sealers=lists.example.org,relay.example.net)
    /// header.oldest-pass=0`.
    public var authenticationResult: AuthenticationResult {
        var comment: String?
        if !sets.isEmpty {
            comment = "i=\(instanceCount) sealers=" + sets.map(\.sealerDomain).joined(separator: ",")
        }
        var properties: [AuthenticationResult.Property] = []
        if let oldestPass {
            properties.append(.init(ptype: "header", name: "oldest-pass", value: String(oldestPass)))
        }
        return AuthenticationResult(
            method: "arc", result: status.rawValue, reason: status == .pass ? nil : reason,
            comment: comment, properties: properties)
    }
}
