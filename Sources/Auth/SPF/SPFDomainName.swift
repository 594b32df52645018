/// The rules SPF applies to domain names before it asks DNS about them.
enum SPFDomainName {
    /// The longest name in presentation form without the final dot (RFC 7208 §7.3, RFC 1035 §2.3.4).
    static let maximumLength = 253
    /// RFC 1035 §2.3.4.
    static let maximumLabelLength = 63

    /// `name` without one final dot: SPF accepts fully qualified names either way (RFC 7208 §7.3).
    static func withoutFinalDot(_ name: String) -> String {
        name.utf8.last == UInt8(ascii: ".") ? String(name.dropLast()) : name
    }

    /// True when a query can be composed for `name`: no empty label and no label over 63 octets
    /// (RFC 7208 §4.3, §4.8). What the name contains is not checked: macros can legitimately
    /// produce any visible character, and the zone decides whether it exists.
    static func isQueryable(_ name: String) -> Bool {
        let name = withoutFinalDot(name).utf8
        guard !name.isEmpty, name.count <= maximumLength else { return false }
        var labelLength = 0
        for byte in name {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0 else { return false }
                labelLength = 0
            } else {
                labelLength += 1
                guard labelLength <= maximumLabelLength else { return false }
            }
        }
        return labelLength > 0
    }

    /// RFC 7208 §4.3: the <domain> of check_host() must be a well-formed, multi-label, fully
    /// qualified domain name in A-label form; otherwise the result is "none". An address literal
    /// (`[192.0.2.1]`) or a bare address fails the top-label rule of RFC 7208 §7.1, and a name
    /// with spaces, control or non-ASCII characters is not in A-label form (RFC 7208 §2.3).
    static func isCheckable(_ name: String) -> Bool {
        guard isQueryable(name) else { return false }
        let name = withoutFinalDot(name).utf8
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")),
              SPFMacroString.isTopLabel(name[name.index(after: dot)...])
        else { return false }
        return name.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// A name from macro expansion, as it is used in a query: the final dot removed and, past 253
    /// characters, whole labels removed from the left until it fits (RFC 7208 §7.3).
    static func targetName(fromExpansion expansion: String) -> String {
        var name = Substring(withoutFinalDot(expansion))
        while name.utf8.count > maximumLength, let dot = name.firstIndex(of: ".") {
            name = name[name.index(after: dot)...]
        }
        return String(name)
    }

    /// True when `name` is `domain` or a subdomain of it, compared without regard to case or a
    /// final dot (RFC 7208 §5.5).
    static func isWithin(_ name: String, domain: String) -> Bool {
        let name = withoutFinalDot(name).lowercased()
        let domain = withoutFinalDot(domain).lowercased()
        return name == domain || name.hasSuffix("." + domain)
    }
}
