extension DKIMResult {
    /// This result as an RFC 8601 `dkim=` resinfo: the key in a comment, the reason when the
    /// signature did not pass, and header.d, header.i, header.s, header.a and header.b
    /// (RFC 8601 §2.7.1, RFC 6008 §4) as far as they are known.
    public var authenticationResult: AuthenticationResult {
        var comment: [String] = []
        if let key {
            comment.append(key.type == "rsa" ? "\(key.bits)-bit rsa key" : "\(key.type) key")
            if key.isTesting { comment.append("testing") }
        }
        if unsignedBodyBytes > 0 { comment.append("\(unsignedBodyBytes) unsigned body bytes") }
        var properties: [AuthenticationResult.Property] = []
        func add(_ name: String, _ value: String?) {
            if let value { properties.append(.init(ptype: "header", name: name, value: value)) }
        }
        add("d", domain)
        add("i", identity)
        add("s", selector)
        add("a", algorithm)
        add("b", signaturePrefix)
        return AuthenticationResult(
            method: "dkim", result: status.rawValue, reason: failure?.description,
            comment: comment.isEmpty ? nil : comment.joined(separator: "; "), properties: properties)
    }

    /// The `dkim=` resinfos for all of a message's results; a message without signatures gets
    /// one `dkim=none` (RFC 8601 §2.7.1).
    public static func authenticationResults(for results: [DKIMResult]) -> [AuthenticationResult] {
        guard !results.isEmpty else { return [AuthenticationResult(method: "dkim", result: Status.none.rawValue)] }
        return results.map(\.authenticationResult)
    }
}
