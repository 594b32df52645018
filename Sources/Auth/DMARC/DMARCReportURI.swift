/// One DMARC reporting URI from a `rua` or `ruf` tag (RFC 9989 §4.6, §4.8 `dmarc-uri`), with
/// the maximum report size that RFC 7489 §6.2 allowed after a `!`.
public struct DMARCReportURI: Sendable, Hashable, CustomStringConvertible {
    /// The URI without any size suffix, as published (e.g. `mailto:dmarc@example.com`).
    public var uri: String
    /// The URI scheme in lower case (RFC 3986 §3.1: schemes are case-insensitive).
    public var scheme: String
    /// The size limit in bytes from an `obs-dmarc-report-size` suffix; RFC 9989 §4.8 says
    /// reporters should ignore it, RFC 7489 §6.2 honoured it.
    public var maximumSize: UInt64?

    /// For a `mailto:` URI, the address part (before any `?` header fields), percent-decoded.
    public var mailtoAddress: String? {
        guard scheme == "mailto" else { return nil }
        let rest = uri.drop { $0 != ":" }.dropFirst()
        let address = rest.prefix { $0 != "?" }
        return Self.percentDecoded(address)
    }

    public var description: String {
        guard let maximumSize else { return uri }
        return "\(uri)!\(maximumSize)"
    }

    /// Reads one list element: a URI optionally followed by `!` 1*DIGIT [k/m/g/t]; nil when the
    /// URI is not RFC 3986 syntax or has an unencoded `,` or `!` (RFC 9989 §4.8).
    ///
    /// A size whose number does not fit in 64 bits (RFC 7489 §6.4 requires it to) is dropped
    /// and the URI kept, since RFC 9989 makes the size advisory at most.
    public init?(parsing element: Substring) {
        var text = element
        var size: UInt64?
        if let bang = text.firstIndex(of: "!") {
            switch Self.size(text[text.index(after: bang)...]) {
            case .bytes(let bytes): size = bytes
            case .tooLarge: size = nil
            case nil: return nil
            }
            text = text[..<bang]
        }
        guard let colon = text.firstIndex(of: ":"), Self.isScheme(text[..<colon]),
            Self.isURIRest(text[text.index(after: colon)...])
        else { return nil }
        uri = String(text)
        scheme = text[..<colon].lowercased()
        maximumSize = size
    }

    private enum SizeSuffix {
        case bytes(UInt64)
        case tooLarge
    }

    /// RFC 7489 §6.4: "!" 1*DIGIT [ "k" / "m" / "g" / "t" ], units being powers of two; nil for
    /// anything else.
    private static func size(_ text: Substring) -> SizeSuffix? {
        var digits = text
        var shift: UInt64 = 0
        if let unit = text.last?.lowercased() {
            switch unit {
            case "k": shift = 10
            case "m": shift = 20
            case "g": shift = 30
            case "t": shift = 40
            default: break
            }
            if shift > 0 { digits = text.dropLast() }
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        guard let number = UInt64(digits) else { return .tooLarge }
        let (scaled, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? .tooLarge : .bytes(scaled)
    }

    /// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, isAlpha(first) else { return false }
        return text.utf8.allSatisfy { isAlpha($0) || (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E }
    }

    /// The part after the scheme: unreserved, reserved other than `,` and `!` (RFC 9989 §4.8
    /// requires those two encoded) and well-formed percent-encodings; not empty.
    private static func isURIRest(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return false }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, hexValue(bytes[index + 1]) != nil, hexValue(bytes[index + 2]) != nil else {
                    return false
                }
                index += 3
                continue
            }
            guard isAlpha(byte) || (0x30...0x39).contains(byte) || allowedMarks.contains(byte) else { return false }
            index += 1
        }
        return true
    }

    /// RFC 3986 §2.2–2.3 unreserved and reserved marks, without `,` and `!`.
    private static let allowedMarks: Set<UInt8> = Set("-._~:/?#[]@$&'()*+;=".utf8)

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    private static func percentDecoded(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
