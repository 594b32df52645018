/// Just enough DER (ITU-T X.690 §8.1) to find an RSA key's modulus size before the key goes to
/// the crypto library: RFC 8301 §3.2 refuses keys below 1024 bits and the verifier caps the
/// size, and both need the size of keys the library itself would reject without saying why.
enum RSAPublicKeyDER {
    /// The bit length of the modulus in a DER `RSAPublicKey` (RFC 8017 §A.1.1) or in a
    /// `SubjectPublicKeyInfo` (RFC 5280 §4.1) carrying one with the rsaEncryption OID; nil for
    /// anything else.
    ///
    /// RFC 6376 §3.6.1 k=rsa names the bare RSAPublicKey, but signers publish the
    /// SubjectPublicKeyInfo form too (the RFC's own Appendix C does), so both are read.
    static func modulusBits(_ der: [UInt8]) -> Int? {
        var outer = Reader(der[...])
        guard var sequence = outer.read(tag: 0x30), outer.isAtEnd else { return nil }
        if sequence.peekTag == 0x30 {
            // SubjectPublicKeyInfo: AlgorithmIdentifier, then the key in a BIT STRING.
            guard var algorithm = sequence.read(tag: 0x30),
                let oid = algorithm.read(tag: 0x06), Array(oid.bytes) == rsaEncryption,
                let bitString = sequence.read(tag: 0x03), sequence.isAtEnd,
                bitString.bytes.first == 0 else { return nil }
            return modulusBits(Array(bitString.bytes.dropFirst()))
        }
        guard let modulus = sequence.read(tag: 0x02), sequence.read(tag: 0x02) != nil, sequence.isAtEnd else {
            return nil
        }
        let significant = modulus.bytes.drop { $0 == 0 }
        guard let first = significant.first else { return nil }
        return (significant.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    /// 1.2.840.113549.1.1.1 (RFC 8017 §A.1).
    private static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]

    /// Reads definite-length TLVs one after another.
    private struct Reader {
        var bytes: ArraySlice<UInt8>

        init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

        var isAtEnd: Bool { bytes.isEmpty }
        var peekTag: UInt8? { bytes.first }

        /// The contents of the next element if it has `tag`; lengths that run past the data, or
        /// take more than four octets, are refused.
        mutating func read(tag: UInt8) -> Reader? {
            guard bytes.count >= 2, bytes.first == tag else { return nil }
            var index = bytes.startIndex + 1
            var length = Int(bytes[index])
            index += 1
            if length & 0x80 != 0 {
                let octets = length & 0x7F
                guard (1...4).contains(octets), bytes.endIndex - index >= octets else { return nil }
                length = bytes[index..<(index + octets)].reduce(0) { $0 << 8 | Int($1) }
                index += octets
            }
            guard bytes.endIndex - index >= length else { return nil }
            let contents = bytes[index..<(index + length)]
            bytes = bytes[(index + length)...]
            return Reader(contents)
        }
    }
}
