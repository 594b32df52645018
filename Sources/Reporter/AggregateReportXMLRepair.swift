import Foundation

/// The two faults of real reports that make them ill-formed XML yet leave their meaning plain,
/// which the reader repairs when a document does not parse as it is (RFC 9990 §3.1.1: the
/// evaluator "may try to utilize some of the data"). Anything else stays refused.
enum AggregateReportXMLRepair {
    /// `data` with every repair that applies, or nil when none does.
    static func repaired(_ data: Data) -> Data? {
        var bytes = [UInt8](data)
        var changed = false
        if let transcoded = windows1252AsUTF8(bytes) {
            bytes = transcoded
            changed = true
        }
        if let stripped = withoutWrappersBeforeFeedback(bytes) {
            bytes = stripped
            changed = true
        }
        return changed ? Data(bytes) : nil
    }

    /// A document that says it is UTF-8, or says nothing and so is UTF-8 (XML 1.0 §4.3.3), but
    /// holds bytes that are not, as when a reporter copies windows-1252 text (curly quotes,
    /// 0x91–0x94) into it. Read as windows-1252 it makes sense; a document that declares another
    /// encoding is left to the parser.
    static func windows1252AsUTF8(_ bytes: [UInt8]) -> [UInt8]? {
        guard String(validating: bytes, as: UTF8.self) == nil, claimsUTF8(bytes) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
            } else {
                let scalar = (0x80..<0xA0).contains(byte) ? windows1252Controls[Int(byte - 0x80)] : UInt32(byte)
                output += Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            }
        }
        return output
    }

    /// The `encoding` of the XML declaration, if any (after a UTF-8 byte order mark).
    /// Whether the document says it is UTF-8 or says nothing, which means UTF-8 (XML 1.0 §4.3.3).
    static func claimsUTF8(_ bytes: [UInt8]) -> Bool {
        declaredEncoding(bytes).map { ["utf-8", "utf8"].contains($0.lowercased()) } ?? true
    }

    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let head = String(decoding: bytes.dropFirst(start).prefix(200), as: UTF8.self)
        guard head.hasPrefix("<?xml"), let end = head.range(of: "?>") else { return nil }
        let declaration = head[..<end.lowerBound]
        guard let key = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[key.upperBound...].drop { $0 == " " || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote })
    }

    /// A report whose `<feedback>` sits inside start tags that are never closed, as one
    /// reporter writes an `<xs:schema …>` start tag before it: the tags between the XML
    /// declaration and `<feedback` are dropped when they are start tags only, so no content is
    /// lost.
    static func withoutWrappersBeforeFeedback(_ bytes: [UInt8]) -> [UInt8]? {
        var start = 0
        if bytes.starts(with: Array("<?xml".utf8)), let end = firstRange(of: Array("?>".utf8), in: bytes, from: 0) {
            start = end.upperBound
        }
        guard let feedback = firstFeedbackTag(in: bytes, from: start) else { return nil }
        let skipped = bytes[start..<feedback]
        // Start tags only: no end tag, and no declaration, comment or processing instruction.
        guard skipped.contains(UInt8(ascii: "<")),
              ["</", "<!", "<?"].allSatisfy({ firstRange(of: Array($0.utf8), in: Array(skipped), from: 0) == nil })
        else { return nil }
        return Array(bytes[..<start]) + Array(bytes[feedback...])
    }

    /// The offset of the first `<feedback` or `<prefix:feedback` start tag.
    private static func firstFeedbackTag(in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        let name = Array("feedback".utf8)
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            var nameStart = open + 1
            var cursor = nameStart
            while cursor < bytes.count, cursor - open < 64, isNameByte(bytes[cursor]) {
                if bytes[cursor] == UInt8(ascii: ":") { nameStart = cursor + 1 }
                cursor += 1
            }
            if Array(bytes[nameStart..<cursor]) == name { return open }
            index = open + 1
        }
        return nil
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (0x30...0x3A).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private static func firstRange(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Range<Int>? {
        guard needle.count <= bytes.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0], Array(bytes[index..<(index + needle.count)]) == needle {
                return index..<(index + needle.count)
            }
            index += 1
        }
        return nil
    }

    /// windows-1252 at 0x80–0x9F (the rest of its upper half is ISO 8859-1); the five unassigned
    /// positions become U+FFFD.
    private static let windows1252Controls: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD,
        0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0xFFFD, 0x017E, 0x0178,
    ]
}
