/// One method's outcome in an Authentication-Results header field: the `resinfo` of RFC 8601
/// §2.2, such as `dkim=pass (2048-bit rsa key) header.d=example.com header.s=sel`.
///
/// It knows nothing of the method it reports: SPF, DKIM, DMARC and ARC each build one from their
/// own result and leave the quoting to ``render()``.
public struct AuthenticationResult: Sendable, Hashable, CustomStringConvertible {
    /// One `ptype.property=value` item (RFC 8601 §2.3), e.g. `header.d=example.com`.
    public struct Property: Sendable, Hashable {
        /// `smtp`, `header`, `body` or `policy` (RFC 8601 §2.3).
        public var ptype: String
        /// The property within the ptype, e.g. `d` or `mailfrom`.
        public var name: String
        public var value: String

        public init(ptype: String, name: String, value: String) {
            self.ptype = ptype
            self.name = name
            self.value = value
        }
    }

    /// The method keyword, e.g. `dkim`, `spf`, `dmarc`, `arc` (RFC 8601 §2.7).
    public var method: String
    /// The result keyword, e.g. `pass` or `permerror`.
    public var result: String
    /// Free text for a person, rendered as `reason="..."` (RFC 8601 §2.2 reasonspec).
    public var reason: String?
    /// Free text rendered as an RFC 5322 comment right after the result, e.g. a key size.
    public var comment: String?
    public var properties: [Property]

    public init(method: String, result: String, reason: String? = nil, comment: String? = nil,
                properties: [Property] = []) {
        self.method = method
        self.result = result
        self.reason = reason
        self.comment = comment
        self.properties = properties
    }

    /// The `resinfo` text after the `;` (RFC 8601 §2.2): values that are not RFC 2045 tokens
    /// (nor `local-part@domain` where a property allows it) are quoted, the comment is
    /// parenthesised with `(`, `)` and `\` escaped, and control characters are dropped so that
    /// no text from a message can break the header field.
    public func render() -> String {
        renderedParts.joined(separator: " ")
    }

    /// The pieces of ``render()`` between which RFC 8601 §2.2 allows folding white space: the
    /// method and result, the comment, the reason, and each property.
    var renderedParts: [String] {
        var parts = ["\(AuthenticationResultsSyntax.keyword(method))=\(AuthenticationResultsSyntax.keyword(result))"]
        if let comment, !comment.isEmpty {
            parts.append(AuthenticationResultsSyntax.comment(comment))
        }
        if let reason {
            parts.append("reason=" + AuthenticationResultsSyntax.value(reason))
        }
        for property in properties {
            parts.append("\(AuthenticationResultsSyntax.keyword(property.ptype)).\(AuthenticationResultsSyntax.keyword(property.name))="
                + AuthenticationResultsSyntax.propertyValue(property.value))
        }
        return parts
    }

    public var description: String { render() }
}
