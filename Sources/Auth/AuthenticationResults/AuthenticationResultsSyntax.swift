/// The lexical rules RFC 8601 §2.2 borrows from RFC 2045 §5.1 (token, quoted-string) and
/// RFC 5322 §3.2 (comment, local-part), applied when writing values.
enum AuthenticationResultsSyntax {
    /// A `value` (RFC 2045 §5.1: token / quoted-string): the text itself when it is a token,
    /// otherwise a quoted-string.
    static func value(_ text: String) -> String {
        isToken(text) ? text : quoted(text)
    }

    /// A `pvalue` (RFC 8601 §2.2): like ``value(_:)``, but `[local-part] "@" domain-name` is
    /// also written bare, as in `header.i=@example.com` or `smtp.mailfrom=user@example.com`.
    static func propertyValue(_ text: String) -> String {
        isToken(text) || isAddress(text) ? text : quoted(text)
    }

    /// A keyword (method, result, ptype, property): kept when it is a token, else reduced to its
    /// token characters, since these come from code and never need quoting.
    static func keyword(_ text: String) -> String {
        isToken(text) ? text : String(String.UnicodeScalarView(text.unicodeScalars.filter(isTokenCharacter)))
    }

    /// An RFC 5322 §3.2.2 comment: parentheses and backslashes escaped as quoted-pairs.
    static func comment(_ text: String) -> String {
        delimited(text, open: "(", close: ")", escaping: [UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\")])
    }

    /// An RFC 5322 §3.2.4 quoted-string: `"` and `\` escaped as quoted-pairs.
    static func quoted(_ text: String) -> String {
        delimited(text, open: "\"", close: "\"", escaping: [UInt8(ascii: "\""), UInt8(ascii: "\\")])
    }

    /// ``printable(_:)`` text between `open` and `close`, each byte of `escaping` written as a
    /// quoted-pair; as it is when nothing needs replacing or escaping, as nearly always.
    private static func delimited(_ text: String, open: String, close: String, escaping: [UInt8]) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F && !escaping.contains($0) }) {
            return open + text + close
        }
        var output = open
        for scalar in printable(text).unicodeScalars {
            if scalar.isASCII && escaping.contains(UInt8(scalar.value)) { output.append("\\") }
            output.unicodeScalars.append(scalar)
        }
        return output + close
    }

    /// RFC 2045 §5.1 token: one or more US-ASCII characters other than space, controls and
    /// tspecials.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
    }

    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && isTokenByte(UInt8(scalar.value))
    }

    // Byte by byte, as every field of every message is written with these.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
             UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
            false
        default:
            byte > 0x20 && byte < 0x7F
        }
    }

    /// `[ dot-atom-text ] "@" domain-name`, the bare form a pvalue may take.
    private static func isAddress(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        // dot-atom-text: runs of US-ASCII atext (RFC 5322 §3.2.3) joined by single dots.
        let localIsDotAtom = local.isEmpty
            || local.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { run in
                !run.isEmpty && run.allSatisfy { $0 < 0x80 && MailboxListTokenizer.isAtext($0) }
            }
        return localIsDotAtom && DomainNameSyntax.isDomainName(domain, minimumLabels: 1)
    }

    /// `text` with CR, LF and other control characters replaced by spaces, so that it cannot end
    /// or fold the header field.
    private static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : $0
        }))
    }
}
