/// A TXT record as a line of a zone file, the form in which a fix tells what to publish.
enum TXTRecordLine {
    /// `name. IN TXT "text"`, the text cut into character-strings of at most 255 bytes
    /// (RFC 1035 §3.3.14) with `"` and `\` escaped (RFC 1035 §5.1).
    static func line(name: String, text: String) -> String {
        let owner = name.hasSuffix(".") ? name : name + "."
        var strings: [String] = []
        var current = ""
        var length = 0
        for character in text {
            let bytes = String(character).utf8.count
            if length + bytes > 255 {
                strings.append(current)
                current = ""
                length = 0
            }
            current += character == "\"" || character == "\\" ? "\\\(character)" : String(character)
            length += bytes
        }
        strings.append(current)
        return "\(owner) IN TXT " + strings.map { "\"\($0)\"" }.joined(separator: " ")
    }
}
