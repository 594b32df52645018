extension StringProtocol where SubSequence == Substring, UTF8View: BidirectionalCollection {
    /// The text without the ASCII characters of `characters` at either end.
    ///
    /// Foundation's `trimmingCharacters(in:)` goes through NSString; on the path of every
    /// message (envelope addresses, the header names DKIM hashes) that cost more than the rest
    /// of the work on those strings.
    public func trimmingASCII(_ characters: StaticString) -> String {
        let trimmed = UnsafeBufferPointer(start: characters.utf8Start, count: characters.utf8CodeUnitCount)
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { !trimmed.contains($0) }),
              let last = bytes.lastIndex(where: { !trimmed.contains($0) }) else { return "" }
        // The bytes cut off are ASCII, so both ends of the kept text fall on Unicode scalar boundaries.
        return String(self[first..<bytes.index(after: last)])
    }
}
