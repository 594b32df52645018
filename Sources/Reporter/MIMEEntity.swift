import Auth
import Foundation

/// One MIME entity (RFC 2045, RFC 2046) of a received report message: its header fields, its
/// raw body, and the few header values that say where a report is and how it is encoded.
/// The bytes must use CRLF line ends (``LineEndings/crlf(_:)``).
struct MIMEEntity {
    /// Why an entity could not be read.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    let fields: [HeaderField]
    let body: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) throws {
        let entity = Array(bytes)
        do {
            let (fields, bodyOffset) = try MessageHeaderParser.parse(entity)
            self.fields = fields
            self.body = entity[bodyOffset...]
        } catch {
            throw Invalid(description: "not a mail message: \(error)")
        }
    }

    /// `type/subtype` in lower case; RFC 2045 §5.2's default `text/plain` when absent.
    var mediaType: String {
        guard let value = value("Content-Type") else { return "text/plain" }
        let type = value.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        return type.isEmpty ? "text/plain" : type
    }

    /// RFC 2045 §6.1, `7bit` when absent.
    var transferEncoding: String {
        value("Content-Transfer-Encoding")?.lowercased() ?? "7bit"
    }

    /// The `boundary` of a multipart entity.
    var boundary: String? {
        value("Content-Type").flatMap { Self.parameters($0)["boundary"] }
    }

    /// The file name from `Content-Disposition` or, as many reporters set only that, the `name`
    /// of `Content-Type`.
    var fileName: String? {
        value("Content-Disposition").flatMap { Self.parameters($0)["filename"] }
            ?? value("Content-Type").flatMap { Self.parameters($0)["name"] }
    }

    /// The body without its transfer encoding. Unknown encodings are taken as they are, as
    /// RFC 2045 §6.4 advises for the identity encodings.
    func decodedBody() throws -> [UInt8] {
        switch transferEncoding {
        case "base64":
            let text = body.filter { $0 != 0x0D && $0 != 0x0A && $0 != 0x20 && $0 != 0x09 }
            // Some writers drop the final padding.
            let padded = text + Array(repeating: UInt8(ascii: "="), count: (4 - text.count % 4) % 4)
            guard let data = Data(base64Encoded: Data(padded), options: .ignoreUnknownCharacters) else {
                throw Invalid(description: "the base64 content is damaged")
            }
            return [UInt8](data)
        case "quoted-printable":
            return Self.quotedPrintableDecoded(body)
        default:
            return Array(body)
        }
    }

    /// The body parts of a multipart entity (RFC 2046 §5.1.1), at most `limit` of them.
    func parts(limit: Int) throws -> [ArraySlice<UInt8>] {
        guard let boundary, !boundary.isEmpty else { throw Invalid(description: "a multipart entity has no boundary") }
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let lineEnd = body[lineStart...].firstIndex(of: 0x0A).map { $0 + 1 } ?? body.endIndex
            // RFC 2046 §5.1.1: the delimiter, `--` if it closes, then only transport padding; a
            // line that merely starts with it (a longer inner boundary) is content.
            let afterDelimiter = body[min(lineStart + delimiter.count, lineEnd)..<lineEnd]
            let padding = afterDelimiter.starts(with: [0x2D, 0x2D]) ? afterDelimiter.dropFirst(2) : afterDelimiter
            if body[lineStart..<lineEnd].starts(with: delimiter),
               padding.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
                if let start = partStart {
                    // The CRLF before the delimiter belongs to it.
                    let end = max(start, lineStart >= 2 && body[lineStart - 2] == 0x0D ? lineStart - 2 : lineStart - 1)
                    parts.append(body[start..<end])
                    guard parts.count <= limit else {
                        throw Invalid(description: "the message has more than \(limit) parts")
                    }
                }
                if afterDelimiter.starts(with: [0x2D, 0x2D]) { return parts }
                partStart = lineEnd
            }
            lineStart = lineEnd
        }
        // A missing close delimiter: the last part runs to the end, as most mail readers take it.
        if let start = partStart, start < body.endIndex { parts.append(body[start...]) }
        return parts
    }

    private func value(_ name: String) -> String? {
        fields.first { $0.hasName(name) }?.unfoldedValue
    }

    /// The parameters of a header value such as `attachment; filename="a.xml.gz"`, names in
    /// lower case, quotes removed. RFC 2231 continuations and charsets (`filename*0*=`, `name*=`)
    /// are joined and percent-decoded.
    static func parameters(_ value: String) -> [String: String] {
        guard let semicolon = value.firstIndex(of: ";") else { return [:] }
        var pieces: [(name: String, value: String)] = []
        var rest = value[value.index(after: semicolon)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...].drop { $0 == " " || $0 == "\t" }
            var text = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\", rest.count > 1 { rest = rest.dropFirst() }
                    text.append(rest.first!)
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst().drop { $0 != ";" }
            } else {
                text = String(rest.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
                rest = rest.drop { $0 != ";" }
            }
            pieces.append((name, text))
        }
        var parameters: [String: String] = [:]
        var extended: [String: [(index: Int, text: String)]] = [:]
        for (name, text) in pieces {
            guard let star = name.firstIndex(of: "*") else {
                parameters[name] = text
                continue
            }
            let base = String(name[..<star])
            let suffix = name[name.index(after: star)...].filter { $0 != "*" }
            let encoded = name.hasSuffix("*")
            var piece = text
            if encoded {
                // charset'language'percent-encoded; only the first piece carries the charset part.
                if suffix.isEmpty || suffix == "0", let quote = piece.firstIndex(of: "'"),
                   let second = piece[piece.index(after: quote)...].firstIndex(of: "'") {
                    piece = String(piece[piece.index(after: second)...])
                }
                piece = piece.removingPercentEncoding ?? piece
            }
            extended[base, default: []].append((Int(suffix) ?? 0, piece))
        }
        for (base, pieces) in extended where parameters[base] == nil {
            parameters[base] = pieces.sorted { $0.index < $1.index }.map(\.text).joined()
        }
        return parameters
    }

    /// RFC 2045 §6.7: `=XX` octets and soft line breaks; a malformed `=` stays as it is.
    static func quotedPrintableDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            let next = bytes[(index + 1)...].prefix(2)
            if next.first == 0x0D || next.first == 0x0A {
                index += next.starts(with: [0x0D, 0x0A]) ? 3 : 2
            } else if next.count == 2, let high = hexValue(next.first!), let low = hexValue(next.last!) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
