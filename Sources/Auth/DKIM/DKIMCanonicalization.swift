/// A DKIM canonicalization algorithm (RFC 6376 §3.4), for header fields or for the body.
enum DKIMCanonicalization: String, Sendable, Hashable, CaseIterable {
    /// Tolerates almost no change (RFC 6376 §3.4.1, §3.4.3).
    case simple
    /// Tolerates white-space changes and refolding (RFC 6376 §3.4.2, §3.4.4).
    case relaxed

    /// Appends `field` in this header canonicalization to `output`, followed by CRLF unless
    /// `terminated` is false (RFC 6376 §3.7: the signature field itself goes in without one).
    ///
    /// `excluded` is a byte range of the raw value to leave out: the `b=` value when the field is
    /// the signature being verified (RFC 6376 §3.7 hash step 2).
    func appendHeader(_ field: HeaderField, excluding excluded: Range<Int>? = nil, terminated: Bool = true,
                      to output: inout [UInt8]) {
        let value = field.rawValue
        var parts: [ArraySlice<UInt8>] = [value[...]]
        if let excluded {
            parts = [value[..<excluded.lowerBound], value[excluded.upperBound...]]
        }
        switch self {
        case .simple:
            // RFC 6376 §3.4.1: the field exactly as it is in the message.
            output.append(contentsOf: field.name.utf8)
            output.append(MessageByte.colon)
            for part in parts { output.append(contentsOf: part) }
        case .relaxed:
            // RFC 6376 §3.4.2: lower-case name without surrounding WSP, a colon, then the value
            // unfolded with WSP runs reduced to one SP and WSP at both ends removed.
            var name = field.name.utf8[...]
            while let last = name.last, MessageByte.isWSP(last) { name = name.dropLast() }
            while let first = name.first, MessageByte.isWSP(first) { name = name.dropFirst() }
            output.append(contentsOf: name.map(MessageByte.lowercased))
            output.append(MessageByte.colon)
            var pendingSpace = false
            var wroteValue = false
            for part in parts {
                var index = part.startIndex
                while index < part.endIndex {
                    let byte = part[index]
                    index += 1
                    if byte == MessageByte.cr, index < part.endIndex, part[index] == MessageByte.lf {
                        // A fold: the CRLF goes, the WSP after it counts as white space.
                        index += 1
                        continue
                    }
                    if MessageByte.isWSP(byte) {
                        pendingSpace = true
                        continue
                    }
                    if pendingSpace && wroteValue { output.append(MessageByte.space) }
                    pendingSpace = false
                    wroteValue = true
                    output.append(byte)
                }
            }
        }
        if terminated {
            output.append(MessageByte.cr)
            output.append(MessageByte.lf)
        }
    }
}
