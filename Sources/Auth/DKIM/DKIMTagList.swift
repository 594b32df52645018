/// A DKIM tag=value list (RFC 6376 §3.2), the syntax of both the DKIM-Signature field and the
/// key record.
struct DKIMTagList: Sendable, Hashable {
    /// One `tag-spec`.
    struct Tag: Sendable, Hashable {
        /// The tag name, case-sensitive (RFC 6376 §3.2).
        var name: String
        /// The value without the white space around it; white space inside is kept.
        var value: [UInt8]
        /// Everything between the `=` and the `;` (or the end) in the parsed bytes, surrounding
        /// white space included: the part RFC 6376 §3.7 deletes from `b=` before hashing.
        var valueRegion: Range<Int>

        var text: String { String(decoding: value, as: UTF8.self) }
    }

    /// What made the list invalid.
    struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        var reason: String
        /// True when the list was given up because it has more tags than allowed.
        var isOverLimit = false
        var description: String { reason }
    }

    /// The tags in the order they appear.
    private(set) var tags: [Tag]

    /// Parses `bytes`, giving up as soon as a tag beyond `maximumTags` starts.
    ///
    /// RFC 6376 §3.2: `tag-list = tag-spec *( ";" tag-spec ) [ ";" ]`,
    /// `tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]`, names are
    /// `ALPHA *ALNUMPUNC`, values are VALCHARs (%x21-3A / %x3C-7E) with white space between
    /// them, and a duplicated tag name makes the whole list invalid. Octets above 0x7F are let
    /// into values, as the section's note and RFC 8616 §5 ask for UTF-8.
    init(parsing bytes: [UInt8], maximumTags: Int) throws(SyntaxError) {
        var tags: [Tag] = []
        var names: Set<String> = []
        var index = 0
        func skipWhiteSpace() {
            while index < bytes.count, MessageByte.isFWS(bytes[index]) { index += 1 }
        }
        while true {
            skipWhiteSpace()
            if index == bytes.count { break }
            guard tags.count < maximumTags else {
                throw SyntaxError(reason: "more than \(maximumTags) tags", isOverLimit: true)
            }
            let nameStart = index
            guard MessageByte.isAlpha(bytes[index]) else {
                throw SyntaxError(reason: "a tag name must start with a letter at offset \(index)")
            }
            while index < bytes.count,
                MessageByte.isAlpha(bytes[index]) || MessageByte.isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_") {
                index += 1
            }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            skipWhiteSpace()
            guard index < bytes.count, bytes[index] == MessageByte.equals else {
                throw SyntaxError(reason: "tag \"\(name)\" has no \"=\"")
            }
            index += 1
            let regionStart = index
            while index < bytes.count, bytes[index] != MessageByte.semicolon {
                let byte = bytes[index]
                guard byte >= 0x21 || MessageByte.isFWS(byte), byte != 0x7F else {
                    throw SyntaxError(reason: "tag \"\(name)\" holds a control character")
                }
                index += 1
            }
            let region = regionStart..<index
            var valueStart = region.lowerBound
            var valueEnd = region.upperBound
            while valueStart < valueEnd, MessageByte.isFWS(bytes[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart, MessageByte.isFWS(bytes[valueEnd - 1]) { valueEnd -= 1 }
            guard names.insert(name).inserted else {
                throw SyntaxError(reason: "tag \"\(name)\" appears more than once")
            }
            tags.append(Tag(name: name, value: Array(bytes[valueStart..<valueEnd]), valueRegion: region))
            if index == bytes.count { break }
            index += 1
        }
        self.tags = tags
    }

    /// The tag called `name`, if present.
    subscript(name: String) -> Tag? {
        tags.first { $0.name == name }
    }
}
