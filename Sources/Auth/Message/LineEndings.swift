/// Line-ending repair for message text that reached us with Unix line ends.
///
/// RFC 5322 §2.1 and RFC 6376 §3.4 (NOTE) assume "network normal" text where every line ends in
/// CRLF. Postfix hands a milter folded header values with bare LF between the lines, and test
/// data is often stored with LF; both have to become CRLF before any canonicalization.
public enum LineEndings {
    /// `bytes` with every LF that is not already preceded by CR turned into CRLF.
    ///
    /// A CR that is not followed by LF is left alone: it is content, not a line end, and guessing
    /// otherwise would change what a signer hashed.
    public static func crlf<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        // Every header field of every message comes through here, mostly as an array: its
        // buffer is scanned directly, and a value without LF is copied as it is.
        if let repaired = bytes.withContiguousStorageIfAvailable(crlf(buffer:)) { return repaired }
        return Array(bytes).withUnsafeBufferPointer(crlf(buffer:))
    }

    private static func crlf(buffer: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard buffer.contains(MessageByte.lf) else { return Array(buffer) }
        var output: [UInt8] = []
        output.reserveCapacity(buffer.count + buffer.count / 32)
        var previous: UInt8 = 0
        for byte in buffer {
            if byte == MessageByte.lf && previous != MessageByte.cr {
                output.append(MessageByte.cr)
            }
            output.append(byte)
            previous = byte
        }
        return output
    }
}

/// The byte values message parsing and canonicalization look for.
enum MessageByte {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let at: UInt8 = 0x40

    /// WSP of RFC 5234 appendix B.1: space or horizontal tab.
    static func isWSP(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// Any byte that can appear in folding white space: WSP, CR or LF.
    static func isFWS(_ byte: UInt8) -> Bool { byte == space || byte == tab || byte == cr || byte == lf }

    static func isAlpha(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    /// The value of a base64 digit (RFC 2045 §6.8, RFC 4648 §4), or nil for any other byte.
    static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// The value of a hexadecimal digit of either case, or nil for any other byte.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
}
