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

    /// The field value folded for a message (RFC 5322 §2.2.3): a new line starts before a part
    /// (a resinfo's method and result, comment, reason or property) that would take the line
    /// past `lineLength`, counting the field name before the value. Lengths are in octets, never
    /// fewer than characters, so a line keeps to RFC 5322 §2.1.1's 78 characters (RFC 6532 §3.4
    /// keeps that limit in characters); a string stores its UTF-8 length, while counting its
    /// characters walks it. A part longer than a line stays whole. Milters send line ends as LF
    /// (Postfix adds the CR), hence the default.
    public func renderFolded(lineLength: Int = 78, lineEnd: String = "\n") -> String {
        let id = AuthenticationResultsSyntax.value(authservID)
        guard !results.isEmpty else { return "\(id); none" }
        var text = id
        var column = Self.fieldName.utf8.count + 2 + id.utf8.count
        for result in results {
            for (index, part) in result.renderedParts.enumerated() {
                let separator = index == 0 ? ";" : ""
                text += separator
                column += separator.utf8.count
                if column + 1 + part.utf8.count > lineLength {
                    text += lineEnd + "\t" + part
                    column = 1 + part.utf8.count
                } else {
                    text += " " + part
                    column += 1 + part.utf8.count
                }
            }
        }
        return text
    }

    public var description: String { render() }
}
