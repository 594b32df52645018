/// A parsed macro-string of RFC 7208 §7.1: literal text and `%{…}` macros, ready for
/// ``SPFMacroExpander``.
///
/// Parsing checks the syntax once, when the record is read, so a bad macro anywhere in a record
/// is a permerror before any lookup is made (RFC 7208 §4.6). The grammar is all US-ASCII, so
/// it is read as bytes.
public struct SPFMacroString: Sendable, Hashable, CustomStringConvertible {
    /// Where a macro-string appears; the grammar differs slightly between them.
    public enum Context: Sendable {
        /// The argument of a mechanism, `redirect=` or `exp=`: must end in a valid domain-end and
        /// may not use the exp-only letters c, r and t (RFC 7208 §7.1, §7.2).
        case domainSpec
        /// The value of an unknown modifier: any macro-string (RFC 7208 §6, §12).
        case modifierValue
        /// The text of an explanation TXT record: spaces allowed, every letter allowed
        /// (RFC 7208 §6.2, §7.2).
        case explanation
    }

    /// One macro-expand of the form `%{` letter transformers delimiters `}`.
    public struct Macro: Sendable, Hashable {
        /// Which value the macro stands for.
        public var letter: Letter
        /// How many right-hand parts to keep (the DIGIT transformer); nil keeps them all.
        public var rightmostParts: Int?
        /// The `r` transformer: reverse the parts.
        public var reversed: Bool
        /// The characters the value is split on (ASCII, from ".-+,/_="); empty means ".".
        public var delimiters: [UInt8]
        /// An upper-case letter: the expansion is URL-escaped (RFC 7208 §7.3).
        public var urlEscaped: Bool
    }

    /// The macro letters of RFC 7208 §7.2, by the lower-case letter that names them.
    public enum Letter: Character, Sendable, Hashable, CaseIterable {
        /// `s`: <sender>.
        case sender = "s"
        /// `l`: the local-part of <sender>.
        case localPart = "l"
        /// `o`: the domain of <sender>.
        case senderDomain = "o"
        /// `d`: the current <domain>.
        case domain = "d"
        /// `i`: <ip>, dotted.
        case ip = "i"
        /// `p`: the validated domain name of <ip>.
        case validatedName = "p"
        /// `v`: "in-addr" or "ip6".
        case addressFamily = "v"
        /// `h`: the HELO/EHLO domain.
        case helo = "h"
        /// `c`: <ip> for people to read (explanations only).
        case clientAddress = "c"
        /// `r`: this host's name (explanations only).
        case receiver = "r"
        /// `t`: the time in seconds since the epoch (explanations only).
        case timestamp = "t"

        /// The letter written as `byte`, in either case.
        init?(byte: UInt8) {
            guard SPFMacroString.isLetter(byte) else { return nil }
            self.init(rawValue: Character(Unicode.Scalar(byte | 0x20)))
        }

        /// c, r and t belong to explanation text only (RFC 7208 §7.2).
        var isExplanationOnly: Bool { self == .clientAddress || self == .receiver || self == .timestamp }
    }

    /// A piece of a macro-string.
    public enum Part: Sendable, Hashable {
        /// Text copied as it is.
        case literal(String)
        /// A macro replaced by its expansion.
        case macro(Macro)
    }

    /// What the macro-string is made of, in order; `%%`, `%_` and `%-` are already literal text.
    public let parts: [Part]
    /// The text as published.
    public let text: String

    /// True when expanding needs the validated domain name of the client (`%{p}`), which takes
    /// DNS lookups (RFC 7208 §5.5).
    public var usesValidatedName: Bool {
        parts.contains { if case .macro(let macro) = $0 { macro.letter == .validatedName } else { false } }
    }

    public var description: String { text }

    /// The largest DIGIT transformer worth keeping: a domain name has at most 127 labels and the
    /// RFC asks for at least that much (RFC 7208 §7.3); larger values mean "all parts".
    static let maximumPartCount = 128

    /// RFC 7208 §7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=".
    static let delimiterBytes: [UInt8] = Array(".-+,/_=".utf8)

    /// Parses `text`, or says what is wrong with it.
    public init(_ text: some StringProtocol, context: Context) throws(SPFRecord.SyntaxError) {
        try self.init(bytes: Array(text.utf8)[...], context: context)
    }

    init(bytes: ArraySlice<UInt8>, context: Context) throws(SPFRecord.SyntaxError) {
        let text = String(decoding: bytes, as: UTF8.self)
        func fail(_ reason: String) -> SPFRecord.SyntaxError { SPFRecord.SyntaxError(reason: reason, term: text) }
        var parts: [Part] = []
        var literal: [UInt8] = []
        var index = bytes.startIndex
        // Where the last macro-expand ended: the literal text after it is the domain-end.
        var domainEndStart = index
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "%") else {
                // RFC 7208 §7.1: macro-literal is %x21-24 / %x26-7E; explain-string adds SP.
                guard (0x21...0x7E).contains(byte) || (byte == 0x20 && context == .explanation) else {
                    throw fail("character \(Self.visible(byte)) is not allowed in a macro-string (RFC 7208 §7.1)")
                }
                literal.append(byte)
                index += 1
                continue
            }
            let next = index + 1
            guard next < bytes.endIndex else { throw fail("'%' at the end (RFC 7208 §7.3)") }
            switch bytes[next] {
            case UInt8(ascii: "%"): literal.append(UInt8(ascii: "%"))
            case UInt8(ascii: "_"): literal.append(UInt8(ascii: " "))
            case UInt8(ascii: "-"): literal += Array("%20".utf8)
            case UInt8(ascii: "{"):
                if !literal.isEmpty { parts.append(.literal(String(decoding: literal, as: UTF8.self))) }
                literal = []
                let (macro, end) = try Self.parseMacro(bytes, openingBrace: next, context: context, fail: fail)
                parts.append(.macro(macro))
                index = end
                domainEndStart = end
                continue
            default:
                throw fail("'%' followed by \(Self.visible(bytes[next])) instead of '{', '%', '_' or '-' (RFC 7208 §7.3)")
            }
            index = next + 1
            domainEndStart = index
        }
        if !literal.isEmpty { parts.append(.literal(String(decoding: literal, as: UTF8.self))) }
        if context == .domainSpec {
            guard !bytes.isEmpty else { throw fail("empty domain-spec (RFC 7208 §7.1)") }
            guard Self.isDomainEnd(bytes[domainEndStart...]) else {
                throw fail("domain-spec must end in '.' and a top label or in a macro (RFC 7208 §7.1)")
            }
        }
        self.text = text
        self.parts = parts
    }

    /// Reads `{` letter *DIGIT ["r"] *delimiter `}` starting at the brace; returns the macro and
    /// the index after the closing brace.
    private static func parseMacro(
        _ bytes: ArraySlice<UInt8>, openingBrace: Int, context: Context, fail: (String) -> SPFRecord.SyntaxError
    ) throws(SPFRecord.SyntaxError) -> (Macro, Int) {
        var index = openingBrace + 1
        guard index < bytes.endIndex else { throw fail("unterminated macro (RFC 7208 §7.1)") }
        let written = bytes[index]
        guard let letter = Letter(byte: written) else {
            throw fail("unknown macro letter \(visible(written)) (RFC 7208 §7.2)")
        }
        if context == .domainSpec && letter.isExplanationOnly {
            throw fail("macro letter \(visible(written)) is allowed only in explanation text (RFC 7208 §7.2)")
        }
        index += 1
        var digits: Int?
        while index < bytes.endIndex, isDigit(bytes[index]) {
            // Saturate: a huge DIGIT only ever means "all parts" (RFC 7208 §7.3).
            digits = min((digits ?? 0) * 10 + Int(bytes[index] - UInt8(ascii: "0")), maximumPartCount)
            index += 1
        }
        if digits == 0 { throw fail("a DIGIT transformer of zero (RFC 7208 §7.3)") }
        var reversed = false
        if index < bytes.endIndex, bytes[index] | 0x20 == UInt8(ascii: "r") {
            reversed = true
            index += 1
        }
        var delimiters: [UInt8] = []
        while index < bytes.endIndex, delimiterBytes.contains(bytes[index]) {
            delimiters.append(bytes[index])
            index += 1
        }
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "}") else {
            throw fail("malformed macro, expected '}' (RFC 7208 §7.1)")
        }
        let macro = Macro(
            letter: letter, rightmostParts: digits, reversed: reversed, delimiters: delimiters,
            urlEscaped: written < UInt8(ascii: "a"))
        return (macro, index + 1)
    }

    /// RFC 7208 §7.1: domain-end = ( "." toplabel [ "." ] ) / macro-expand; `tail` is the
    /// literal text after the last macro-expand.
    private static func isDomainEnd(_ tail: ArraySlice<UInt8>) -> Bool {
        if tail.isEmpty { return true }
        let body = tail.last == UInt8(ascii: ".") ? tail.dropLast() : tail
        guard let dot = body.lastIndex(of: UInt8(ascii: ".")) else { return false }
        return isTopLabel(body[(dot + 1)...])
    }

    /// RFC 7208 §7.1 toplabel: letters, digits and inner hyphens, not all digits.
    static func isTopLabel(_ label: some BidirectionalCollection<UInt8>) -> Bool {
        guard let first = label.first, let last = label.last,
              isLetter(first) || isDigit(first), isLetter(last) || isDigit(last)
        else { return false }
        var hasLetterOrHyphen = false
        for byte in label {
            guard isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "-") else { return false }
            if !isDigit(byte) { hasLetterOrHyphen = true }
        }
        return hasLetterOrHyphen
    }

    static func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }
    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// A byte as it can be shown in a reason: printable ASCII quoted, anything else in hex.
    static func visible(_ byte: UInt8) -> String {
        if (0x21...0x7E).contains(byte) { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }
}
