/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines.
struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    var code: Int
    /// The text of each line, without the code and the separator.
    var lines: [String]

    /// RFC 5321 §4.2.1: 5yz is a permanent negative completion, 4yz a transient one.
    var isPermanentFailure: Bool { (500...599).contains(code) }

    /// The EHLO keywords (RFC 5321 §4.1.1.1), upper-cased, with their parameters: the lines after
    /// the first, which names the server.
    var extensions: [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            result[keyword] = words.dropFirst().map { $0.uppercased() }
        }
        return result
    }

    var description: String {
        lines.map { "\(code) \($0)" }.joined(separator: " / ")
    }
}

/// Takes reply lines out of the bytes a server sent (RFC 5321 §4.2: `code-text` lines end with a
/// final `code text` line); bounded so that a server cannot make the client buffer without end.
struct SMTPReplyParser: Sendable {
    /// RFC 5321 §4.5.3.1.5 limits a reply line to 512 octets; servers exceed it in practice
    /// (long EHLO keyword lists), so allow some more before calling it a protocol error.
    static let maximumLineLength = 2048
    /// Lines in one reply; EHLO replies are the longest, with one line per extension.
    static let maximumLines = 100

    struct ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
        var description: String
    }

    private var buffer: [UInt8] = []
    private var lines: [String] = []
    private var code: Int?

    /// True while bytes are held that do not yet make a complete reply.
    var hasPendingBytes: Bool { !buffer.isEmpty || !lines.isEmpty }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil when more bytes are needed.
    mutating func next() throws(ProtocolError) -> SMTPReply? {
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard line.count <= Self.maximumLineLength else { throw ProtocolError(description: "reply line too long") }
            guard line.count >= 3, line.prefix(3).allSatisfy({ (0x30...0x39).contains($0) }),
                let lineCode = Int(String(decoding: line.prefix(3), as: UTF8.self)),
                line.count == 3 || line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "-")
            else {
                throw ProtocolError(description: "not an SMTP reply line: \(String(decoding: line.prefix(80), as: UTF8.self))")
            }
            guard code == nil || code == lineCode else {
                throw ProtocolError(description: "reply lines with different codes \(code!) and \(lineCode)")
            }
            code = lineCode
            lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
            guard lines.count <= Self.maximumLines else { throw ProtocolError(description: "reply has too many lines") }
            if line.count == 3 || line[3] == UInt8(ascii: " ") {
                let reply = SMTPReply(code: lineCode, lines: lines)
                lines = []
                code = nil
                return reply
            }
        }
        guard buffer.count <= Self.maximumLineLength else { throw ProtocolError(description: "reply line too long") }
        return nil
    }
}

/// The message as the DATA command sends it (RFC 5321 §4.5.2): every line ends in CRLF, a line
/// starting with `.` gets one more, and the final `.` line ends it.
enum SMTPDataEncoding {
    static func encode(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            // RFC 5321 §2.3.8: a bare LF is not a line end on the wire; make it one.
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { output.append(UInt8(ascii: "\r")) }
            output.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
            previous = byte
        }
        if !atLineStart { output.append(contentsOf: Array("\r\n".utf8)) }
        output.append(contentsOf: Array(".\r\n".utf8))
        return output
    }
}
