/// Turns the words of a display name (RFC 5322 §3.2.5 `phrase`) into the text a reader sees:
/// one space where the field had white space, quoting undone, RFC 2047 encoded-words decoded.
enum MailboxDisplayName {
    static func text(of phrase: some Collection<MailboxListToken>) -> String {
        var text = ""
        var previousWasEncodedWord = false
        for token in phrase {
            let decoded = token.kind == .atom ? decodeEncodedWord(token.text) : nil
            // RFC 2047 §6.2: white space between two adjacent encoded-words is not displayed.
            let separate = !text.isEmpty && token.followsSpace && !(decoded != nil && previousWasEncodedWord)
            if separate { text.append(" ") }
            text.append(decoded ?? String(decoding: token.text, as: UTF8.self))
            previousWasEncodedWord = decoded != nil
        }
        return text
    }

    /// Decodes one RFC 2047 §2 encoded-word, `=?charset?encoding?encoded-text?=`, with an
    /// RFC 2231 §5 language suffix allowed on the charset. Only charsets every mail system has
    /// (UTF-8, US-ASCII, ISO-8859-1) are decoded; nil leaves the word as it was written.
    static func decodeEncodedWord(_ word: [UInt8]) -> String? {
        guard word.count >= 8, word.starts(with: Array("=?".utf8)), word.suffix(2).elementsEqual("?=".utf8) else {
            return nil
        }
        let parts = word.dropFirst(2).dropLast(2).split(separator: UInt8(ascii: "?"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 1 else { return nil }
        let charset = String(decoding: parts[0].prefix { $0 != UInt8(ascii: "*") }, as: UTF8.self).lowercased()
        let bytes: [UInt8]?
        switch parts[1].first.map({ $0 | 0x20 }) {
        case UInt8(ascii: "b"): bytes = base64(parts[2])
        case UInt8(ascii: "q"): bytes = quotedPrintable(parts[2])
        default: bytes = nil
        }
        guard let bytes else { return nil }
        switch charset {
        case "utf-8", "utf8", "us-ascii":
            return String(decoding: bytes, as: UTF8.self)
        case "iso-8859-1", "latin1":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            return nil
        }
    }

    /// RFC 2047 §4.2 "Q": `_` is a space, `=XX` a byte in hexadecimal, other bytes themselves.
    private static func quotedPrintable(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "_") {
                output.append(0x20)
            } else if byte == UInt8(ascii: "=") {
                guard index + 2 < text.endIndex, let high = MessageByte.hexValue(text[index + 1]), let low = MessageByte.hexValue(text[index + 2]) else {
                    return nil
                }
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    /// RFC 2047 §4.1 "B": base64 (RFC 4648 §4); padding may be left out.
    private static func base64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text where byte != UInt8(ascii: "=") {
            guard let value = MessageByte.base64Value(byte) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }
}
