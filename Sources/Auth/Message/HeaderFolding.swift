/// Header field folding (RFC 5322 §2.2.3).
public enum HeaderFolding {
    /// `value` with every line break that precedes white space removed, the white space kept:
    /// "Unfolding is accomplished by simply removing any CRLF that is immediately followed by
    /// WSP" (RFC 5322 §2.2.3). A bare LF is treated as a CRLF, since that is how Postfix folds.
    public static func unfold<Bytes: Collection<UInt8>>(_ value: Bytes) -> [UInt8] where Bytes.Index == Int {
        var output: [UInt8] = []
        output.reserveCapacity(value.count)
        var index = value.startIndex
        while index < value.endIndex {
            let byte = value[index]
            if byte == MessageByte.cr, index + 1 < value.endIndex, value[index + 1] == MessageByte.lf,
                index + 2 < value.endIndex, MessageByte.isWSP(value[index + 2]) {
                index += 2
                continue
            }
            if byte == MessageByte.lf, index + 1 < value.endIndex, MessageByte.isWSP(value[index + 1]) {
                index += 1
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }
}
