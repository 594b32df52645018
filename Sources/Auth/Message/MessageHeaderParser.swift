/// Splits a whole message (RFC 5322 §2.1) into its header fields and its body.
///
/// A milter never needs this (the MTA sends fields one by one); it serves tools, tests and
/// benchmarks that start from a stored message. The input must already use CRLF line ends
/// (see ``LineEndings/crlf(_:)``).
public enum MessageHeaderParser {
    /// Why a message could not be split.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The byte offset of the line that is not a header field.
        public var offset: Int
        public var reason: String
        public var description: String { "header line at byte \(offset): \(reason)" }
    }

    /// The header fields in message order, and the offset where the body starts (just after the
    /// empty line that ends the header block, or the end of the message when there is none).
    public static func parse(_ message: [UInt8]) throws(ParseError) -> (fields: [HeaderField], bodyOffset: Int) {
        var fields: [HeaderField] = []
        var index = 0
        while index < message.count {
            // RFC 5322 §2.1: the header section ends at the first empty line.
            if message[index] == MessageByte.cr, index + 1 < message.count, message[index + 1] == MessageByte.lf {
                return (fields, index + 2)
            }
            guard !MessageByte.isWSP(message[index]) else {
                throw ParseError(offset: index, reason: "continuation line without a field before it")
            }
            let fieldEnd = endOfField(in: message, from: index)
            guard let colon = message[index..<fieldEnd].firstIndex(of: MessageByte.colon) else {
                throw ParseError(offset: index, reason: "no colon after the field name")
            }
            // RFC 5322 §3.6.8 allows no white space in a name, but RFC 6376 §3.4.5 shows some
            // before the colon; it belongs to the name in the raw field.
            let name = String(decoding: message[index..<colon], as: UTF8.self)
            guard !name.isEmpty else { throw ParseError(offset: index, reason: "empty field name") }
            let endsInCRLF = fieldEnd - index >= 2 && message[fieldEnd - 1] == MessageByte.lf
                && message[fieldEnd - 2] == MessageByte.cr
            let valueEnd = endsInCRLF ? fieldEnd - 2 : fieldEnd
            fields.append(HeaderField(name: name, rawValue: message[(colon + 1)..<max(colon + 1, valueEnd)]))
            index = fieldEnd
        }
        return (fields, message.count)
    }

    /// The offset just past the CRLF that ends the field starting at `start`, following folded
    /// continuation lines.
    private static func endOfField(in message: [UInt8], from start: Int) -> Int {
        var index = start
        while index < message.count {
            guard let lineFeed = message[index...].firstIndex(of: MessageByte.lf) else { return message.count }
            index = lineFeed + 1
            guard index < message.count, MessageByte.isWSP(message[index]) else { return index }
        }
        return index
    }
}
