/// The textual shape of domain names in mail (RFC 5321 §4.1.2 `Domain`, RFC 1035 §2.3.4 sizes).
public enum DomainNameSyntax {
    /// True when `name` is dot-separated labels of letters, digits and inner hyphens
    /// (`sub-domain` of RFC 5321 §4.1.2), each 1–63 octets, 253 octets in all, with at least
    /// `minimumLabels` labels. Only A-labels pass: a U-label must be converted first.
    ///
    /// `allowingUnderscore` also accepts `_` inside labels, as real DKIM selectors use it and
    /// DNS carries it (RFC 2181 §11).
    public static func isDomainName(_ name: some StringProtocol, minimumLabels: Int = 2,
                                    allowingUnderscore: Bool = false) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= minimumLabels else { return false }
        return labels.allSatisfy { label in
            guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
            let hyphen = UInt8(ascii: "-")
            guard first != hyphen, last != hyphen else { return false }
            return label.allSatisfy {
                MessageByte.isAlpha($0) || MessageByte.isDigit($0) || $0 == hyphen
                    || (allowingUnderscore && $0 == UInt8(ascii: "_"))
            }
        }
    }

    /// True when `name` equals `domain` or lies below it, compared without regard to ASCII case:
    /// `mail.example.com` is within `example.com`, `badexample.com` is not.
    public static func isName(_ name: some StringProtocol, within domain: some StringProtocol) -> Bool {
        let name = name.lowercased()
        let domain = domain.lowercased()
        return name == domain || name.hasSuffix("." + domain)
    }
}
