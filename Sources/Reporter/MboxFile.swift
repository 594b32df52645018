/// The messages of an mbox file (RFC 4155): each starts with a `From ` line, which is not part
/// of the message. Writers of the format quote a body line that starts with `From ` (`>From `),
/// so every such line starts a message, even where a writer left out the empty line before it.
enum MboxFile {
    /// True when `bytes` start like an mbox file.
    static func isMbox(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.starts(with: fromLine)
    }

    /// The messages, without their `From ` lines.
    static func messages(in bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var messages: [ArraySlice<UInt8>] = []
        var messageStart: Int?
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.endIndex
            if bytes[lineStart...].starts(with: fromLine) {
                if let start = messageStart { messages.append(bytes[start..<lineStart]) }
                messageStart = lineEnd
            }
            lineStart = lineEnd
        }
        if let start = messageStart, start < bytes.endIndex { messages.append(bytes[start...]) }
        return messages
    }

    private static let fromLine = Array("From ".utf8)
}
