/// One resource record's data, of a type dmarcd asks for.
public enum DNSRecord: Sendable, Hashable {
    case a(IPAddress)
    case aaaa(IPAddress)
    case mx(MXRecord)
    case txt(TXTRecord)
    /// A host name, without the final dot.
    case ptr(String)

    public var type: DNSRecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .mx: .mx
        case .txt: .txt
        case .ptr: .ptr
        }
    }

    /// Reads the RDATA of an answer as it comes off the wire (RFC 1035 §3.3), names uncompressed.
    public init(type: DNSRecordType, rdata: some Collection<UInt8>) throws(DNSError) {
        let bytes = Array(rdata)
        switch type {
        case .a:
            guard bytes.count == 4 else { throw .malformed("A record of \(bytes.count) bytes") }
            self = .a(IPAddress(v4Bytes: bytes))
        case .aaaa:
            guard bytes.count == 16 else { throw .malformed("AAAA record of \(bytes.count) bytes") }
            self = .aaaa(IPAddress(v6Bytes: bytes))
        case .txt:
            self = .txt(try TXTRecord(rdata: bytes))
        case .mx:
            guard bytes.count >= 3 else { throw .malformed("MX record of \(bytes.count) bytes") }
            let preference = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            var reader = WireNameReader(bytes: bytes, offset: 2)
            self = .mx(MXRecord(preference: preference, exchange: try reader.readName()))
        case .ptr:
            var reader = WireNameReader(bytes: bytes, offset: 0)
            self = .ptr(try reader.readName())
        }
    }
}

/// A mail exchanger (RFC 1035 §3.3.9).
public struct MXRecord: Sendable, Hashable, CustomStringConvertible {
    public var preference: UInt16
    /// The exchanger's host name, without the final dot; "" for the null MX of RFC 7505.
    public var exchange: String

    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }

    public var description: String { "\(preference) \(exchange)." }
}

/// One TXT record: a sequence of character-strings of up to 255 bytes each (RFC 1035 §3.3.14).
public struct TXTRecord: Sendable, Hashable, CustomStringConvertible {
    /// The character-strings as they were published, kept apart.
    public var strings: [[UInt8]]

    public init(strings: [[UInt8]]) {
        self.strings = strings
    }

    public init(_ strings: String...) {
        self.strings = strings.map { Array($0.utf8) }
    }

    init(rdata: [UInt8]) throws(DNSError) {
        var strings: [[UInt8]] = []
        var index = 0
        while index < rdata.count {
            let length = Int(rdata[index])
            guard index + 1 + length <= rdata.count else {
                throw .malformed("TXT character-string runs past the record")
            }
            strings.append(Array(rdata[(index + 1)..<(index + 1 + length)]))
            index += 1 + length
        }
        self.strings = strings
    }

    /// The character-strings joined with nothing between them, as RFC 7208 §3.3 and
    /// RFC 6376 §3.6.2.2 require.
    public var bytes: [UInt8] { Array(strings.joined()) }

    /// ``bytes`` as text; bytes that are not UTF-8 become U+FFFD.
    public var text: String { String(decoding: strings.joined(), as: UTF8.self) }

    public var description: String {
        strings.map { "\"" + String(decoding: $0, as: UTF8.self) + "\"" }.joined(separator: " ")
    }
}

/// Reads an uncompressed domain name in wire format (RFC 1035 §3.1).
struct WireNameReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func readName() throws(DNSError) -> String {
        var labels: [String] = []
        while true {
            guard offset < bytes.count else { throw .malformed("name runs past the record") }
            let length = Int(bytes[offset])
            offset += 1
            if length == 0 { break }
            guard length < 64 else { throw .malformed("compressed or oversized label in a name") }
            guard offset + length <= bytes.count else { throw .malformed("label runs past the record") }
            labels.append(Self.presentation(of: bytes[offset..<(offset + length)]))
            offset += length
        }
        return labels.joined(separator: ".")
    }

    /// RFC 1035 §5.1 presentation form: dots and backslashes escaped, unprintable bytes as \DDD.
    static func presentation(of label: ArraySlice<UInt8>) -> String {
        var text = ""
        for byte in label {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "\\"):
                text.append("\\")
                text.append(Character(Unicode.Scalar(byte)))
            case 0x21...0x7E:
                text.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = String(byte)
                text.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
            }
        }
        return text
    }
}
