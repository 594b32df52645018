import Foundation

/// Domain names in the form DMARC compares them: lower-case A-labels, without the final dot.
///
/// RFC 9989 §5.3.1: a U-label Author Domain "MUST be converted to an A-label ... for further
/// processing"; §4.4: comparisons are case-insensitive (RFC 4343). Identifiers from SPF and DKIM
/// go through the same conversion so that all sides meet in one form.
public enum DMARCDomainName {
    /// `name` as a lower-case A-label domain, or nil when it cannot be a DNS host name: an empty
    /// label, a character other than letters, digits, `-` and `_` in an ASCII label, bytes that
    /// were not UTF-8 (U+FFFD), a label over 63 octets or a name over 253 (RFC 1035 §2.3.4).
    ///
    /// One final dot is accepted and dropped. Non-ASCII labels are put in Unicode normalization
    /// form C and lower-cased before Punycode, the mapping IDNA applies to U-labels (RFC 5891 §5).
    public static func normalized(_ name: some StringProtocol) -> String? {
        var text = Substring(name)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, text.utf8.count <= 1024 else { return nil }
        // RFC 3490 §3.1 (kept by UTS #46): these full stops separate labels as "." does.
        let labels = text.split(omittingEmptySubsequences: false) {
            $0 == "." || $0 == "\u{3002}" || $0 == "\u{FF0E}" || $0 == "\u{FF61}"
        }
        var converted: [String] = []
        converted.reserveCapacity(labels.count)
        for label in labels {
            guard let aLabel = asciiLabel(label) else { return nil }
            converted.append(aLabel)
        }
        let result = converted.joined(separator: ".")
        return result.utf8.count <= 253 ? result : nil
    }

    /// The labels of a normalized name, from left to right.
    static func labels(of name: String) -> [Substring] {
        name.split(separator: ".", omittingEmptySubsequences: false)
    }

    /// The last `count` labels of a normalized name (the whole name when it has fewer).
    static func suffix(of name: String, labels count: Int) -> String {
        labels(of: name).suffix(count).joined(separator: ".")
    }

    /// True when normalized `name` is `domain` or a name below it.
    static func isName(_ name: String, within domain: String) -> Bool {
        name == domain || name.hasSuffix("." + domain)
    }

    private static func asciiLabel(_ label: Substring) -> String? {
        guard !label.isEmpty else { return nil }
        if label.utf8.allSatisfy({ $0 < 0x80 }) {
            let lower = label.lowercased()
            guard lower.utf8.count <= 63, lower.utf8.allSatisfy(isHostNameByte) else { return nil }
            return lower
        }
        guard !label.unicodeScalars.contains("\u{FFFD}") else { return nil }
        let mapped = String(label).precomposedStringWithCanonicalMapping.lowercased()
        guard mapped.unicodeScalars.allSatisfy({ $0.value >= 0x80 || isHostNameByte(UInt8($0.value)) }),
            let encoded = Punycode.encode(mapped)
        else { return nil }
        let aLabel = "xn--" + encoded
        return aLabel.utf8.count <= 63 ? aLabel : nil
    }

    /// Letters, digits and `-` (RFC 952, RFC 1123 §2.1), plus `_`, which DNS carries (RFC 2181 §11)
    /// and real mail domains use.
    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
