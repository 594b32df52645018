/// The value of an Authentication-Results header field (RFC 8601 §2.2): who did the checks and
/// what each method found.
public struct AuthenticationResultsHeader: Sendable, Hashable, CustomStringConvertible {
    /// The field name, for adding the field to a message.
    public static let fieldName = "Authentication-Results"

    /// The `authserv-id`: the name of the host or ADMD that performed the checks (RFC 8601 §2.5).
    public var authservID: String
    public var results: [AuthenticationResult]

    public init(authservID: String, results: [AuthenticationResult]) {
        self.authservID = authservID
        self.results = results
    }

    /// The field value without folding, e.g. `mx.example.org; dkim=pass header.d=example.com`,
    /// or `mx.example.org; none` when no method produced a result (RFC 8601 §2.2 no-result).
    public func render() -> String {
        let id = AuthenticationResultsSyntax.value(authservID)
        guard !results.isEmpty else { return "\(id); none" }
        return ([id] + results.map { $0.render() }).joined(separator: "; ")
    }

    public var description: String { render() }
}
