extension SPFOutcome {
    /// This outcome as an RFC 8601 `spf=` resinfo: the sender (or HELO name) as `smtp.mailfrom`
    /// (`smtp.helo`), RFC 7208 §9.2's example form, with the client address and, for errors and
    /// "none", the reason; the deciding directive goes in a comment.
    public var authenticationResult: AuthenticationResult {
        let value = identity == .mailFrom ? sender : domain
        let name = identity == .mailFrom ? "mailfrom" : "helo"
        var reasonText = "client-ip=\(clientIP)"
        if let reason { reasonText += "; \(reason)" }
        return AuthenticationResult(
            method: "spf", result: result.rawValue, reason: reasonText,
            comment: mechanism.map { "matched \($0)" },
            properties: [.init(ptype: "smtp", name: name, value: value)])
    }
}
