/// A reader for the master-file format of RFC 1035 §5.1, enough of it to write test zones that
/// both ``StaticResolver`` and a real authoritative server (nsd) load: `$ORIGIN`, `$TTL`, `@`,
/// relative names, blank owners, parentheses, `;` comments, quoted strings with `\"`, `\\` and
/// `\DDD` escapes; the types A, AAAA, MX, TXT, PTR and CNAME, and SOA or NS kept as opaque text.
public struct ZoneFile: Sendable {
    /// One resource record of the zone.
    public struct Entry: Sendable, Hashable {
        /// The owner name, fully qualified, without the final dot.
        public var name: String
        public var ttl: UInt32
        public var data: Data

        public init(name: String, ttl: UInt32, data: Data) {
            self.name = name
            self.ttl = ttl
            self.data = data
        }

        public enum Data: Sendable, Hashable {
            case record(DNSRecord)
            /// The owner is an alias of this name (RFC 1035 §3.3.1).
            case alias(String)
            /// A type the resolvers do not serve (SOA, NS), kept for the server's zone file.
            case other(type: String)
        }
    }

    /// What was wrong, and on which line.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "zone line \(line): \(reason)" }
    }

    public private(set) var entries: [Entry] = []

    public init(_ text: String, origin: String = "", defaultTTL: UInt32 = 300) throws(ParseError) {
        var origin = Self.absolute(origin, origin: "")
        var ttl = defaultTTL
        var owner: String?
        for (line, tokens, startsWithBlank) in try Self.logicalLines(text) {
            func fail(_ reason: String) -> ParseError { ParseError(line: line, reason: reason) }
            switch tokens[0].text.uppercased() {
            case "$ORIGIN":
                guard tokens.count == 2 else { throw fail("$ORIGIN takes one name") }
                origin = Self.absolute(tokens[1].text, origin: origin)
                continue
            case "$TTL":
                guard tokens.count == 2, let value = UInt32(tokens[1].text) else { throw fail("$TTL takes one number") }
                ttl = value
                continue
            default:
                break
            }
            var rest = tokens[...]
            if !startsWithBlank {
                owner = Self.absolute(rest.removeFirst().text, origin: origin)
            }
            guard let name = owner else { throw fail("record without an owner name") }
            var recordTTL = ttl
            while let token = rest.first, !token.quoted {
                if let value = UInt32(token.text) {
                    recordTTL = value
                } else if token.text.uppercased() != "IN" {
                    break
                }
                rest.removeFirst()
            }
            guard let typeToken = rest.popFirst() else { throw fail("record without a type") }
            let rdata = Array(rest)
            let data: Entry.Data
            do {
                data = try Self.parseData(type: typeToken.text.uppercased(), rdata: rdata, origin: origin)
            } catch let error as ParseError {
                throw fail(error.reason)
            } catch {
                throw fail("\(error)")
            }
            entries.append(Entry(name: name, ttl: recordTTL, data: data))
        }
    }

    private static func parseData(type: String, rdata: [Token], origin: String) throws -> Entry.Data {
        func one() throws -> String {
            guard rdata.count == 1 else { throw ParseError(line: 0, reason: "\(type) takes one value") }
            return rdata[0].text
        }
        switch type {
        case "A", "AAAA":
            guard let address = IPAddress(try one()), address.isIPv4 == (type == "A") else {
                throw ParseError(line: 0, reason: "not an \(type == "A" ? "IPv4" : "IPv6") address")
            }
            return .record(type == "A" ? .a(address) : .aaaa(address))
        case "MX":
            guard rdata.count == 2, let preference = UInt16(rdata[0].text) else {
                throw ParseError(line: 0, reason: "MX takes a preference and a host")
            }
            return .record(.mx(MXRecord(preference: preference, exchange: absolute(rdata[1].text, origin: origin))))
        case "PTR":
            return .record(.ptr(absolute(try one(), origin: origin)))
        case "CNAME":
            return .alias(absolute(try one(), origin: origin))
        case "TXT":
            guard !rdata.isEmpty else { throw ParseError(line: 0, reason: "TXT needs at least one string") }
            for string in rdata where string.bytes.count > 255 {
                throw ParseError(line: 0, reason: "a TXT character-string has \(string.bytes.count) bytes, over 255")
            }
            return .record(.txt(TXTRecord(strings: rdata.map(\.bytes))))
        case "SOA", "NS":
            return .other(type: type)
        default:
            throw ParseError(line: 0, reason: "unsupported record type \(type)")
        }
    }

    /// `@` is the origin; a name without a final dot is relative to it. The result has no final dot.
    static func absolute(_ name: String, origin: String) -> String {
        if name == "@" { return origin }
        if name.hasSuffix(".") { return String(name.dropLast()) }
        return origin.isEmpty ? name : "\(name).\(origin)"
    }

    struct Token {
        var bytes: [UInt8]
        var quoted: Bool
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Splits the text into records: a line, or several joined by parentheses.
    private static func logicalLines(_ text: String) throws(ParseError) -> [(Int, [Token], Bool)] {
        var result: [(Int, [Token], Bool)] = []
        var tokens: [Token] = []
        var depth = 0
        var startLine = 1
        var startsWithBlank = false
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var atLineStart = true

        func finishLine() {
            if depth == 0 {
                if !tokens.isEmpty { result.append((startLine, tokens, startsWithBlank)) }
                tokens = []
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if atLineStart && depth == 0 {
                startLine = line
                startsWithBlank = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            }
            atLineStart = false
            switch byte {
            case UInt8(ascii: "\n"):
                finishLine()
                line += 1
                atLineStart = true
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: ";"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "("):
                depth += 1
                index += 1
            case UInt8(ascii: ")"):
                guard depth > 0 else { throw ParseError(line: line, reason: "unbalanced ')'") }
                depth -= 1
                index += 1
            case UInt8(ascii: "\""):
                index += 1
                var value: [UInt8] = []
                var closed = false
                while index < bytes.count {
                    let current = bytes[index]
                    if current == UInt8(ascii: "\"") { closed = true; index += 1; break }
                    if current == UInt8(ascii: "\n") { break }
                    if current == UInt8(ascii: "\\") {
                        value.append(try unescape(bytes, &index, line: line))
                    } else {
                        value.append(current)
                        index += 1
                    }
                }
                guard closed else { throw ParseError(line: line, reason: "unterminated quoted string") }
                tokens.append(Token(bytes: value, quoted: true))
            default:
                var value: [UInt8] = []
                while index < bytes.count {
                    let current = bytes[index]
                    if [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"),
                        UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\"")].contains(current) {
                        break
                    }
                    if current == UInt8(ascii: "\\") {
                        value.append(try unescape(bytes, &index, line: line))
                    } else {
                        value.append(current)
                        index += 1
                    }
                }
                tokens.append(Token(bytes: value, quoted: false))
            }
        }
        guard depth == 0 else { throw ParseError(line: line, reason: "unbalanced '('") }
        finishLine()
        return result
    }

    /// `\X` is X itself; `\DDD` is the byte with that decimal value.
    private static func unescape(_ bytes: [UInt8], _ index: inout Int, line: Int) throws(ParseError) -> UInt8 {
        index += 1
        guard index < bytes.count else { throw ParseError(line: line, reason: "backslash at the end") }
        let digits = bytes[index..<min(index + 3, bytes.count)]
        if digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard value <= 255 else { throw ParseError(line: line, reason: "\\\(value) is not a byte") }
            index += 3
            return UInt8(value)
        }
        index += 1
        return bytes[index - 1]
    }
}
