import DNS

/// Reads one term of an SPF record, a directive or a modifier, by the ABNF of RFC 7208 §12.
/// The record is US-ASCII by then, so terms are read as bytes.
enum SPFTermParser {
    enum Term: Equatable {
        case directive(SPFDirective)
        case redirect(SPFMacroString)
        case explanation(SPFMacroString)
        case unknownModifier
    }

    typealias SyntaxError = SPFRecord.SyntaxError
    typealias Bytes = ArraySlice<UInt8>

    /// Parses `term` (printable ASCII without spaces, which ``SPFRecord`` has checked).
    static func parse(_ term: Bytes) throws(SyntaxError) -> Term {
        let text = String(decoding: term, as: UTF8.self)
        func fail(_ reason: String) -> SyntaxError { SyntaxError(reason: reason, term: text) }
        var rest = term
        let qualifier = rest.first.flatMap(SPFDirective.Qualifier.init(byte:))
        if qualifier != nil { rest = rest.dropFirst() }

        // RFC 7208 §4.6.1: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ); a modifier has "="
        // right after its name, a mechanism ":", "/" or nothing.
        guard let first = rest.first, SPFMacroString.isLetter(first) else {
            throw fail("term does not start with a mechanism or modifier name (RFC 7208 §4.6.1)")
        }
        let nameEnd = rest.firstIndex { !isNameByte($0) } ?? rest.endIndex
        let nameBytes = rest[..<nameEnd]
        // Names are case-insensitive (RFC 7208 §4.6.1) and ASCII, so lower-case the bytes.
        let name = String(unsafeUninitializedCapacity: nameBytes.count) { buffer in
            for (offset, byte) in nameBytes.enumerated() {
                buffer[offset] = SPFMacroString.isLetter(byte) ? byte | 0x20 : byte
            }
            return nameBytes.count
        }
        let arguments = rest[nameEnd...]

        if arguments.first == UInt8(ascii: "=") {
            guard qualifier == nil else { throw fail("a modifier takes no qualifier (RFC 7208 §4.6.1)") }
            let value = arguments.dropFirst()
            switch name {
            // RFC 7208 §6.1, §6.2: both take a non-empty domain-spec; the known names are not
            // unknown-modifiers, so a bad value is an error, not an ignored modifier.
            case "redirect": return .redirect(try SPFMacroString(bytes: value, context: .domainSpec))
            case "exp": return .explanation(try SPFMacroString(bytes: value, context: .domainSpec))
            default:
                _ = try SPFMacroString(bytes: value, context: .modifierValue)
                return .unknownModifier
            }
        }
        let mechanism = try parseMechanism(name, arguments, fail: fail)
        return .directive(SPFDirective(qualifier: qualifier ?? .pass, mechanism: mechanism, text: text))
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        SPFMacroString.isLetter(byte) || SPFMacroString.isDigit(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }

    private static func parseMechanism(
        _ name: String, _ arguments: Bytes, fail: (String) -> SyntaxError
    ) throws(SyntaxError) -> SPFDirective.Mechanism {
        switch name {
        case "all":
            guard arguments.isEmpty else { throw fail("\"all\" takes no argument (RFC 7208 §5.1)") }
            return .all
        case "include":
            return .include(try requiredDomainSpec(arguments, name: name, fail: fail))
        case "exists":
            return .exists(try requiredDomainSpec(arguments, name: name, fail: fail))
        case "ptr":
            return .ptr(try optionalDomainSpec(arguments, name: name, fail: fail))
        case "a", "mx":
            let (rest, lengths) = try splitDualCIDR(arguments, fail: fail)
            let spec = try optionalDomainSpec(rest, name: name, fail: fail)
            return name == "a" ? .a(spec, lengths) : .mx(spec, lengths)
        case "ip4", "ip6":
            return try parseNetwork(name, arguments, fail: fail)
        default:
            throw fail("unknown mechanism \"\(name)\" (RFC 7208 §4.6.1, §5)")
        }
    }

    private static func requiredDomainSpec(
        _ arguments: Bytes, name: String, fail: (String) -> SyntaxError
    ) throws(SyntaxError) -> SPFMacroString {
        guard arguments.first == UInt8(ascii: ":") else {
            throw fail("\"\(name)\" needs \":\" and a domain-spec (RFC 7208 §5)")
        }
        return try SPFMacroString(bytes: arguments.dropFirst(), context: .domainSpec)
    }

    private static func optionalDomainSpec(
        _ arguments: Bytes, name: String, fail: (String) -> SyntaxError
    ) throws(SyntaxError) -> SPFMacroString? {
        if arguments.isEmpty { return nil }
        return try requiredDomainSpec(arguments, name: name, fail: fail)
    }

    /// Takes a dual-cidr-length (`/24`, `//64`, `/24//64`) off the end of the arguments of `a`
    /// or `mx` (RFC 7208 §5.6). A domain-spec cannot end in "/" and digits, so whatever does is
    /// a prefix length.
    private static func splitDualCIDR(
        _ arguments: Bytes, fail: (String) -> SyntaxError
    ) throws(SyntaxError) -> (Bytes, SPFDirective.CIDRLengths) {
        var rest = arguments
        var lengths = SPFDirective.CIDRLengths()
        if let (digits, slashes) = trailingLength(rest), slashes == 2 {
            lengths.ipv6 = try prefixLength(digits, maximum: 128, fail: fail)
            rest = rest.dropLast(digits.count + 2)
        }
        if let (digits, slashes) = trailingLength(rest), slashes == 1 {
            lengths.ipv4 = try prefixLength(digits, maximum: 32, fail: fail)
            rest = rest.dropLast(digits.count + 1)
        }
        return (rest, lengths)
    }

    /// The digits after the last "/" at the end of `bytes`, and whether one or two slashes lead
    /// them.
    private static func trailingLength(_ bytes: Bytes) -> (Bytes, Int)? {
        let digitsStart = bytes.lastIndex { !SPFMacroString.isDigit($0) }.map { $0 + 1 } ?? bytes.startIndex
        guard digitsStart < bytes.endIndex, digitsStart > bytes.startIndex,
              bytes[digitsStart - 1] == UInt8(ascii: "/")
        else { return nil }
        let isDouble = digitsStart - 1 > bytes.startIndex && bytes[digitsStart - 2] == UInt8(ascii: "/")
        return (bytes[digitsStart...], isDouble ? 2 : 1)
    }

    /// RFC 7208 §5.6: ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), ip6 likewise up to 128;
    /// no leading zeros, nothing above the address size.
    private static func prefixLength(
        _ digits: Bytes, maximum: Int, fail: (String) -> SyntaxError
    ) throws(SyntaxError) -> Int {
        guard let value = decimal(digits), value <= maximum else {
            throw fail(
                "invalid CIDR prefix length \"\(String(decoding: digits, as: UTF8.self))\" (at most \(maximum), no leading zeros; RFC 7208 §5.6)")
        }
        return value
    }

    /// A decimal number of 1 to 3 digits without a leading zero (except "0" itself).
    private static func decimal(_ digits: Bytes) -> Int? {
        guard (1...3).contains(digits.count), digits.allSatisfy(SPFMacroString.isDigit),
              digits.count == 1 || digits.first != UInt8(ascii: "0")
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// `ip4:` ip4-network [ip4-cidr-length] or `ip6:` ip6-network [ip6-cidr-length] (RFC 7208 §5.6).
    private static func parseNetwork(
        _ name: String, _ arguments: Bytes, fail: (String) -> SyntaxError
    ) throws(SyntaxError) -> SPFDirective.Mechanism {
        guard arguments.first == UInt8(ascii: ":") else {
            throw fail("\"\(name)\" needs \":\" and a network (RFC 7208 §5.6)")
        }
        let value = arguments.dropFirst()
        let slash = value.firstIndex(of: UInt8(ascii: "/"))
        let network = value[..<(slash ?? value.endIndex)]
        let isIPv4 = name == "ip4"
        let maximum = isIPv4 ? 32 : 128
        let length = try slash.map { (slash) throws(SyntaxError) in
            try prefixLength(value[(slash + 1)...], maximum: maximum, fail: fail)
        } ?? maximum
        let networkText = String(decoding: network, as: UTF8.self)
        if isIPv4 {
            guard let address = parseDottedQuad(network) else {
                throw fail("\"\(networkText)\" is not a dotted-quad IPv4 network (RFC 7208 §5.6)")
            }
            return .ip4(address, prefixLength: length)
        }
        // RFC 4291 §2.2 text only (hex digits, colons, a dotted quad at the end); inet_pton
        // checks the rest.
        guard network.allSatisfy({ SPFMacroString.isDigit($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0 | 0x20)
                  || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
              network.contains(UInt8(ascii: ":")), let address = IPAddress(networkText), !address.isIPv4
        else {
            throw fail("\"\(networkText)\" is not an IPv6 network (RFC 7208 §5.6, RFC 4291 §2.2)")
        }
        return .ip6(address, prefixLength: length)
    }

    /// RFC 7208 §5.6 ip4-network: four qnums, decimal 0–255 without leading zeros.
    static func parseDottedQuad(_ text: Bytes) -> IPAddress? {
        var address: UInt32 = 0
        var start = text.startIndex
        for quad in 0..<4 {
            let end = quad == 3 ? text.endIndex : (text[start...].firstIndex(of: UInt8(ascii: ".")) ?? text.endIndex)
            guard end < text.endIndex || quad == 3, let value = decimal(text[start..<end]), value <= 255 else { return nil }
            address = address << 8 | UInt32(value)
            start = end + 1
        }
        return .v4(address)
    }
}
