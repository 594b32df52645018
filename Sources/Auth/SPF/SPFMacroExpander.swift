import DNS

/// Expands SPF macros (RFC 7208 §7) for one check: the values that stay the same through
/// `include` and `redirect` are fixed here; the current <domain> and the validated client name
/// (`%{p}`, which takes DNS lookups) are passed to each expansion.
public struct SPFMacroExpander: Sendable, Hashable {
    /// <sender>: the identity, with "postmaster" for a missing local-part (RFC 7208 §4.3).
    public let sender: String
    /// The local-part of <sender> (`%{l}`).
    public let localPart: String
    /// The domain of <sender> (`%{o}`).
    public let senderDomain: String
    /// <ip>, IPv4-mapped IPv6 already unmapped (RFC 7208 §5).
    public let clientIP: IPAddress
    /// The HELO/EHLO argument as the client sent it (`%{h}`).
    public let helo: String
    /// The name of this host (`%{r}`); "unknown" when it has none (RFC 7208 §7.3).
    public let receivingHost: String
    /// Seconds since the epoch (`%{t}`).
    public let timestamp: Int64

    /// - Parameter sender: the <sender> identity; a missing local-part becomes "postmaster"
    ///   (RFC 7208 §4.3).
    public init(sender: String, clientIP: IPAddress, helo: String, receivingHost: String = "unknown", timestamp: Int64) {
        let at = sender.lastIndex(of: "@")
        let local = at.map { String(sender[..<$0]) } ?? ""
        let domain = at.map { String(sender[sender.index(after: $0)...]) } ?? sender
        self.localPart = local.isEmpty ? "postmaster" : local
        self.senderDomain = domain
        self.sender = "\(localPart)@\(domain)"
        self.clientIP = clientIP.unmappedIPv4 ?? clientIP
        self.helo = helo
        self.receivingHost = receivingHost
        self.timestamp = timestamp
    }

    /// The text of `string` with every macro replaced (RFC 7208 §7.3).
    /// - Parameters:
    ///   - domain: the current <domain> (`%{d}`).
    ///   - validatedName: the validated domain name of the client (`%{p}`); nil means "unknown".
    public func expand(_ string: SPFMacroString, domain: String, validatedName: String? = nil) -> String {
        var result = ""
        for part in string.parts {
            switch part {
            case .literal(let text):
                result += text
            case .macro(let macro):
                let value = transformed(value(of: macro.letter, domain: domain, validatedName: validatedName), by: macro)
                result += macro.urlEscaped ? Self.urlEscaped(value) : value
            }
        }
        return result
    }

    /// The <target-name> a domain-spec names: expanded, without a final dot and shortened from
    /// the left to 253 characters (RFC 7208 §4.8, §7.3).
    public func targetName(_ spec: SPFMacroString, domain: String, validatedName: String? = nil) -> String {
        SPFDomainName.targetName(fromExpansion: expand(spec, domain: domain, validatedName: validatedName))
    }

    private func value(of letter: SPFMacroString.Letter, domain: String, validatedName: String?) -> String {
        switch letter {
        case .sender: sender
        case .localPart: localPart
        case .senderDomain: senderDomain
        case .domain: domain
        case .ip: Self.dotFormat(clientIP)
        case .validatedName: validatedName ?? "unknown"
        case .addressFamily: clientIP.isIPv4 ? "in-addr" : "ip6"
        case .helo: helo
        case .clientAddress: clientIP.description
        case .receiver: receivingHost
        case .timestamp: String(timestamp)
        }
    }

    /// RFC 7208 §7.3: split on the delimiters (default "."), reverse if asked, keep the
    /// right-hand parts, and join with "." whatever the delimiters were.
    private func transformed(_ value: String, by macro: SPFMacroString.Macro) -> String {
        if macro.rightmostParts == nil && !macro.reversed && macro.delimiters.isEmpty { return value }
        // The delimiters are ASCII, so splitting the UTF-8 bytes never cuts a character.
        let delimiters = macro.delimiters.isEmpty ? [UInt8(ascii: ".")] : macro.delimiters
        var parts = Array(value.utf8).split(omittingEmptySubsequences: false, whereSeparator: delimiters.contains)
        if macro.reversed { parts.reverse() }
        if let count = macro.rightmostParts, count < parts.count { parts.removeFirst(parts.count - count) }
        return parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    /// `%{i}`: dotted-quad for IPv4; for IPv6 the 32 nibbles separated by dots, meant for
    /// `%{ir}` (RFC 7208 §7.3). Nibbles are upper-case hex as in the widely deployed
    /// implementations; DNS compares names without regard to case, so only explanation text
    /// shows the difference.
    static func dotFormat(_ address: IPAddress) -> String {
        guard !address.isIPv4 else { return address.description }
        return address.bytes.flatMap { [$0 >> 4, $0 & 0xF] }
            .map { String($0, radix: 16, uppercase: true) }
            .joined(separator: ".")
    }

    /// RFC 7208 §7.3: upper-case macros are URL-escaped; everything outside the RFC 3986 §2.3
    /// unreserved set becomes %XX.
    static func urlEscaped(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.append(Character(Unicode.Scalar(byte)))
            default:
                result += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
