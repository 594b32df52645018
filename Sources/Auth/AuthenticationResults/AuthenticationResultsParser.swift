/// Reads Authentication-Results field values (RFC 8601 §2.2), to use results from trusted
/// upstream hosts and to find fields that claim to be ours.
///
/// Reading is lenient where real senders stray from the grammar (`policy.iprev=2001:db8::2`
/// unquoted, properties without a ptype) and strict where a field could be made to say two
/// things: comments must be closed and quoted strings terminated, or the field does not parse.
public enum AuthenticationResultsParser {
    /// Why a field value could not be read.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Parses a field value (the text after `Authentication-Results:`).
    public static func parse(_ value: String) throws(ParseError) -> AuthenticationResultsHeader {
        var scanner = Scanner(value)
        scanner.skipCFWS()
        guard let authservID = try scanner.value(), !authservID.isEmpty else {
            throw ParseError(reason: "no authserv-id")
        }
        try scanner.skipCFWSChecked()
        // RFC 8601 §2.2 authres-version: digits after the authserv-id.
        if scanner.peek?.properties.numericType != nil {
            _ = scanner.run { $0.properties.numericType != nil }
            try scanner.skipCFWSChecked()
        }
        var results: [AuthenticationResult] = []
        while scanner.peek == ";" {
            scanner.advance()
            try scanner.skipCFWSChecked()
            if scanner.isAtEnd { break }
            let method = scanner.keyword()
            guard !method.isEmpty else { throw ParseError(reason: "a result without a method") }
            try scanner.skipCFWSChecked()
            if results.isEmpty, method.lowercased() == "none", scanner.isAtEnd || scanner.peek == ";" {
                return AuthenticationResultsHeader(authservID: authservID, results: [])
            }
            if scanner.peek == "/" {
                scanner.advance()
                try scanner.skipCFWSChecked()
                _ = scanner.run { $0.properties.numericType != nil }
                try scanner.skipCFWSChecked()
            }
            guard scanner.peek == "=" else { throw ParseError(reason: "method \(method) has no result") }
            scanner.advance()
            try scanner.skipCFWSChecked()
            let resultWord = scanner.keyword()
            guard !resultWord.isEmpty else { throw ParseError(reason: "method \(method) has an empty result") }
            var result = AuthenticationResult(method: method.lowercased(), result: resultWord.lowercased())
            result.comment = try scanner.skipCFWSChecked()
            while let next = scanner.peek, next != ";" {
                let name = scanner.keyword()
                guard !name.isEmpty else { throw ParseError(reason: "unexpected \"\(next)\" in the \(method) result") }
                try scanner.skipCFWSChecked()
                var ptype = ""
                var property = name
                if scanner.peek == "." {
                    scanner.advance()
                    try scanner.skipCFWSChecked()
                    ptype = name
                    property = scanner.keyword()
                    try scanner.skipCFWSChecked()
                }
                guard scanner.peek == "=" else { throw ParseError(reason: "\(name) has no value") }
                scanner.advance()
                try scanner.skipCFWSChecked()
                let value = try scanner.value() ?? ""
                if ptype.isEmpty && property.lowercased() == "reason" {
                    result.reason = value
                } else {
                    result.properties.append(.init(ptype: ptype.lowercased(), name: property, value: value))
                }
                if let comment = try scanner.skipCFWSChecked(), result.comment == nil {
                    result.comment = comment
                }
            }
            results.append(result)
        }
        guard scanner.isAtEnd else { throw ParseError(reason: "unexpected text after the authserv-id") }
        return AuthenticationResultsHeader(authservID: authservID, results: results)
    }

    /// True when a field value names `authservID` as its authserv-id, or cannot be read and
    /// might be taken as ours by a less careful reader. RFC 8601 §5 asks an MTA to remove such
    /// fields from arriving mail; erring towards removal keeps forged ones out, including the
    /// shapes that fooled other parsers (`example.net(.example.com` hid `example.com` from
    /// OpenDMARC, CVE-2020-12272).
    public static func claims(_ value: String, authservID: String) -> Bool {
        let ours = authservID.lowercased()
        if let header = try? parse(value) {
            return header.authservID.lowercased() == ours
        }
        let beforeResults = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return beforeResults.lowercased().contains(ours)
    }
}

/// A cursor over a field value with RFC 5322 §3.2.2 comments and folding white space.
private struct Scanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    var isAtEnd: Bool { index >= scalars.count }
    var peek: Unicode.Scalar? { isAtEnd ? nil : scalars[index] }

    mutating func advance() { index += 1 }

    mutating func run(while predicate: (Unicode.Scalar) -> Bool) -> String {
        var text = String.UnicodeScalarView()
        while let scalar = peek, predicate(scalar) {
            text.append(scalar)
            advance()
        }
        return String(text)
    }

    /// Skips white space and comments, where an unclosed comment is not an error (the caller
    /// only wants to get past them).
    mutating func skipCFWS() {
        _ = try? skipCFWSChecked()
    }

    /// Skips white space and comments; returns the text of the last comment, if any.
    @discardableResult
    mutating func skipCFWSChecked() throws(AuthenticationResultsParser.ParseError) -> String? {
        var lastComment: String?
        while let scalar = peek {
            if scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" {
                advance()
            } else if scalar == "(" {
                lastComment = try comment()
            } else {
                break
            }
        }
        return lastComment
    }

    /// A comment with nested comments and quoted-pairs (RFC 5322 §3.2.2).
    private mutating func comment() throws(AuthenticationResultsParser.ParseError) -> String {
        var depth = 0
        var text = String.UnicodeScalarView()
        while let scalar = peek {
            advance()
            switch scalar {
            case "(":
                if depth > 0 { text.append(scalar) }
                depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return String(text) }
                text.append(scalar)
            case "\\":
                guard let escaped = peek else { break }
                text.append(escaped)
                advance()
            default:
                text.append(scalar)
            }
        }
        throw AuthenticationResultsParser.ParseError(reason: "a comment is not closed")
    }

    /// A method, result, ptype or property name: letters, digits and `-`, `_`, `+`.
    mutating func keyword() -> String {
        run { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "-" || $0 == "_" || $0 == "+" }
    }

    /// A value: a quoted-string, or a run of characters up to white space, `;` or a comment.
    mutating func value() throws(AuthenticationResultsParser.ParseError) -> String? {
        guard let first = peek else { return nil }
        guard first == "\"" else {
            let text = run { !($0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == ";" || $0 == "(" || $0 == ")" || $0 == "\"") }
            return text.isEmpty ? nil : text
        }
        advance()
        var text = String.UnicodeScalarView()
        while let scalar = peek {
            advance()
            if scalar == "\"" { return String(text) }
            if scalar == "\\", let escaped = peek {
                text.append(escaped)
                advance()
            } else {
                text.append(scalar)
            }
        }
        throw AuthenticationResultsParser.ParseError(reason: "a quoted string is not closed")
    }
}
