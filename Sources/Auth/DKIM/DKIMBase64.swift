/// The base64 of DKIM tag values (RFC 6376 §2.4 `base64string`, RFC 2045 §6.8 alphabet).
enum DKIMBase64 {
    /// The bytes `text` encodes, white space and folds ignored (RFC 6376 §3.5 b=, bh=; §3.6.1
    /// p=), or nil when it holds anything else, is cut short, or has `=` anywhere but at the end.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var pending = 0
        var padding = 0
        for byte in text {
            if MessageByte.isFWS(byte) { continue }
            if byte == MessageByte.equals {
                padding += 1
                guard padding <= 2 else { return nil }
                continue
            }
            // Data after padding means the value is two values run together, or garbage.
            guard padding == 0, let sextet = MessageByte.base64Value(byte) else { return nil }
            accumulator = accumulator << 6 | UInt32(sextet)
            pending += 1
            if pending == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                pending = 0
            }
        }
        // RFC 2045 §6.8: a final quantum of 8 or 16 bits is padded to 24 with "==" or "=".
        switch (pending, padding) {
        case (0, 0):
            break
        case (2, 2):
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case (3, 1):
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            return nil
        }
        return output
    }
}
