/// A parsed SPF record (RFC 7208 §4.5, §4.6): its directives in order and its modifiers.
///
/// Parsing is pure and checks the whole record: any syntax error anywhere makes the record
/// unusable, and the caller turns the ``SyntaxError`` into permerror (RFC 7208 §4.6).
public struct SPFRecord: Sendable, Hashable {
    /// Why a record (or an explanation string) could not be read.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, with the RFC section that makes it wrong.
        public var reason: String
        /// The term (or macro-string) at fault, as published.
        public var term: String?

        /// An error: what is wrong, and the term at fault when there is one.
        public init(reason: String, term: String? = nil) {
            self.reason = reason
            self.term = term
        }

        public var description: String {
            guard let term else { return reason }
            return "\(reason) in \"\(SPFRecord.printable(term))\""
        }
    }

    /// The mechanisms, left to right.
    public var directives: [SPFDirective]
    /// The `redirect=` target (RFC 7208 §6.1).
    public var redirect: SPFMacroString?
    /// The `exp=` target (RFC 7208 §6.2).
    public var explanation: SPFMacroString?

    /// True when the record has an `all` mechanism, which makes `redirect=` ignored
    /// (RFC 7208 §5.1, §6.1).
    public var hasAll: Bool {
        directives.contains { $0.mechanism == .all }
    }

    /// RFC 7208 §4.5: a record starts with exactly "v=spf1" (in any case), followed by a space or
    /// its end. Tests the bytes, so TXT records that are not UTF-8 are simply not SPF records.
    public static func isSPFRecord(_ bytes: some Collection<UInt8>) -> Bool {
        let version = Array("v=spf1".utf8)
        var index = bytes.startIndex
        for expected in version {
            guard index < bytes.endIndex, bytes[index] | 0x20 == expected | 0x20 else { return false }
            index = bytes.index(after: index)
        }
        return index == bytes.endIndex || bytes[index] == UInt8(ascii: " ")
    }

    /// Parses a record that starts with "v=spf1".
    public init(parsing text: String) throws(SyntaxError) {
        guard Self.isSPFRecord(text.utf8) else {
            throw SyntaxError(reason: "record does not start with \"v=spf1\" (RFC 7208 §4.5)")
        }
        // RFC 7208 §3.1: US-ASCII only; §4.6.1: terms are separated by SP, so any other control
        // character (tab, CR, LF, NUL) is a syntax error too.
        let bytes = Array(text.utf8)
        if bytes.contains(where: { !(0x20...0x7E).contains($0) }),
           let bad = text.unicodeScalars.first(where: { !(0x20...0x7E).contains($0.value) }) {
            throw SyntaxError(
                reason: "character U+\(String(bad.value, radix: 16, uppercase: true)) outside printable US-ASCII (RFC 7208 §3.1, §4.6.1)")
        }
        directives = []
        var start = 6
        while start < bytes.count {
            if bytes[start] == UInt8(ascii: " ") {
                start += 1
                continue
            }
            let end = bytes[start...].firstIndex(of: UInt8(ascii: " ")) ?? bytes.count
            let term = bytes[start..<end]
            start = end
            switch try SPFTermParser.parse(term) {
            case .directive(let directive):
                directives.append(directive)
            case .redirect(let target):
                // RFC 7208 §6: redirect and exp MUST NOT appear more than once each.
                guard redirect == nil else { throw SyntaxError(reason: "second redirect= modifier (RFC 7208 §6)", term: target.text) }
                redirect = target
            case .explanation(let target):
                guard explanation == nil else { throw SyntaxError(reason: "second exp= modifier (RFC 7208 §6)", term: target.text) }
                explanation = target
            case .unknownModifier:
                // RFC 7208 §6: unrecognized modifiers are ignored once their syntax is checked.
                break
            }
        }
    }

    /// Text from DNS made safe for a log line: control and non-ASCII characters as \xNN.
    static func printable(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if (0x20...0x7E).contains(byte) {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
