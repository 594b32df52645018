/// The dkim-quoted-printable encoding of `i=` and `z=` (RFC 6376 §2.11).
enum DKIMQuotedPrintable {
    /// The octets `text` encodes, or nil when it is not dkim-quoted-printable.
    ///
    /// RFC 6376 §2.11: `dkim-quoted-printable = *(FWS / hex-octet / dkim-safe-char)`, where
    /// `hex-octet = "=" 2HEXDIG` and FWS is not part of the value. RFC 8616 §5 admits UTF-8
    /// octets as safe characters; lower-case hex digits are accepted as RFC 2045 §6.7 advises.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            if MessageByte.isFWS(byte) { continue }
            if byte == MessageByte.equals {
                guard let high = iterator.next().flatMap(MessageByte.hexValue), let low = iterator.next().flatMap(MessageByte.hexValue) else {
                    return nil
                }
                output.append(high << 4 | low)
                continue
            }
            // dkim-safe-char: %x21-3A / %x3C / %x3E-7E (no ";" and no "="), plus UTF-8 octets.
            guard (0x21...0x7E).contains(byte) && byte != MessageByte.semicolon || byte >= 0x80 else { return nil }
            output.append(byte)
        }
        return output
    }
}
