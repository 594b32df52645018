/// One lexical token of an address header field (RFC 5322 §3.2): comments and folding white
/// space are dropped, and only remembered as ``followsSpace``.
struct MailboxListToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A run of `atext` (RFC 5322 §3.2.3), UTF-8 included (RFC 6532 §3.2).
        case atom
        /// A quoted-string; ``MailboxListToken/text`` holds its content with quoting undone.
        case quotedString
        /// A domain-literal, brackets included (RFC 5322 §3.4.1).
        case domainLiteral
        /// One of `< > : ; @ , .`.
        case special
    }

    var kind: Kind
    var text: [UInt8]
    /// Byte offset of the token in the field value.
    var offset: Int
    /// True when white space or a comment came before the token.
    var followsSpace: Bool

    func isSpecial(_ character: Unicode.Scalar) -> Bool {
        kind == .special && text.first == UInt8(ascii: character)
    }

    /// True for the tokens that make up a `word` (RFC 5322 §3.2.5).
    var isWord: Bool { kind == .atom || kind == .quotedString }
}

/// Splits an address field value into ``MailboxListToken``s.
enum MailboxListTokenizer {
    static func tokens(_ bytes: [UInt8]) throws(MailboxListParser.SyntaxError) -> [MailboxListToken] {
        var tokens: [MailboxListToken] = []
        var index = 0
        var followsSpace = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A:
                followsSpace = true
                index += 1
                continue
            case UInt8(ascii: "("):
                index = try endOfComment(bytes, from: index)
                followsSpace = true
                continue
            case UInt8(ascii: "\""):
                let (content, end) = try quotedString(bytes, from: index)
                tokens.append(MailboxListToken(kind: .quotedString, text: content, offset: index, followsSpace: followsSpace))
                index = end
            case UInt8(ascii: "["):
                let end = try endOfDomainLiteral(bytes, from: index)
                tokens.append(MailboxListToken(kind: .domainLiteral, text: Array(bytes[index..<end]), offset: index,
                                               followsSpace: followsSpace))
                index = end
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "@"),
                UInt8(ascii: ","), UInt8(ascii: "."):
                tokens.append(MailboxListToken(kind: .special, text: [byte], offset: index, followsSpace: followsSpace))
                index += 1
            default:
                guard isAtext(byte) else {
                    throw MailboxListParser.SyntaxError(offset: index, reason: "unexpected character \(describe(byte))")
                }
                let start = index
                while index < bytes.count, isAtext(bytes[index]) { index += 1 }
                tokens.append(MailboxListToken(kind: .atom, text: Array(bytes[start..<index]), offset: start,
                                               followsSpace: followsSpace))
            }
            followsSpace = false
        }
        return tokens
    }

    /// RFC 5322 §3.2.3 `atext`, with the UTF-8 bytes RFC 6532 §3.2 adds.
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), 0x80...0xFF,
            UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
            UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
            UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// RFC 5322 §3.2.2: comments nest and may hold quoted-pairs; returns the offset after the
    /// closing parenthesis.
    private static func endOfComment(_ bytes: [UInt8], from start: Int) throws(MailboxListParser.SyntaxError) -> Int {
        var depth = 0
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 1
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return index + 1 }
            case 0x00: throw MailboxListParser.SyntaxError(offset: index, reason: "NUL byte in a comment")
            default: break
            }
            index += 1
        }
        throw MailboxListParser.SyntaxError(offset: start, reason: "comment is not closed")
    }

    /// RFC 5322 §3.2.4: the content of a quoted-string with quoted-pairs undone and folding
    /// removed (§3.2.2: a CRLF in FWS is not part of the content), and the offset after it.
    private static func quotedString(_ bytes: [UInt8], from start: Int) throws(MailboxListParser.SyntaxError)
        -> (content: [UInt8], end: Int) {
        var content: [UInt8] = []
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                return (content, index + 1)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { break }
                index += 1
                if bytes[index] != 0x0D, bytes[index] != 0x0A { content.append(bytes[index]) }
            case 0x0D, 0x0A:
                break
            case 0x00:
                throw MailboxListParser.SyntaxError(offset: index, reason: "NUL byte in a quoted string")
            default:
                content.append(byte)
            }
            index += 1
        }
        throw MailboxListParser.SyntaxError(offset: start, reason: "quoted string is not closed")
    }

    /// RFC 5322 §3.4.1 and §4.4 `obs-dtext`: up to the closing bracket, quoted-pairs allowed.
    private static func endOfDomainLiteral(_ bytes: [UInt8], from start: Int) throws(MailboxListParser.SyntaxError) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "]"): return index + 1
            case UInt8(ascii: "\\"): index += 1
            case UInt8(ascii: "["), 0x00:
                let reason = "unexpected \(describe(bytes[index])) in a domain literal"
                throw MailboxListParser.SyntaxError(offset: index, reason: reason)
            default: break
            }
            index += 1
        }
        throw MailboxListParser.SyntaxError(offset: start, reason: "domain literal is not closed")
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x" + String(byte, radix: 16)
    }
}
