#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, compared and masked as numbers.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    /// The 128 bits as two halves, most significant first.
    case v6(UInt64, UInt64)

    /// Parses dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text (including `::ffff:1.2.3.4`).
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        if text.utf8.contains(UInt8(ascii: ":")) {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            self.init(v6Bytes: bytes)
        } else {
            // inet_pton(AF_INET) accepts exactly four decimal parts, no leading-zero octal.
            var raw = in_addr()
            guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
            self = .v4(UInt32(bigEndian: raw.s_addr))
        }
    }

    /// An IPv4 address from its four bytes in network order.
    public init(v4Bytes bytes: [UInt8]) {
        precondition(bytes.count == 4, "an IPv4 address has 4 bytes")
        self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// An IPv6 address from its sixteen bytes in network order.
    public init(v6Bytes bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self = .v6(high, low)
    }

    /// 127.0.0.0/8 and ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3), also as IPv4-mapped addresses:
    /// only this host can reach them.
    public var isLoopback: Bool {
        let address = unmappedIPv4 ?? self
        switch address {
        case .v4(let value): return value >> 24 == 127
        case .v6(let high, let low): return high == 0 && low == 1
        }
    }

    public var isIPv4: Bool {
        if case .v4 = self { true } else { false }
    }

    /// The bytes in network order: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let high, let low):
            (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// For an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) the IPv4 address it
    /// carries; RFC 7208 §5 evaluates such clients as IPv4.
    public var unmappedIPv4: IPAddress? {
        guard case .v6(let high, let low) = self, high == 0, low >> 32 == 0xFFFF else { return nil }
        return .v4(UInt32(truncatingIfNeeded: low))
    }

    /// True when both addresses are of one family and agree in their first `prefixLength` bits.
    /// A prefix longer than the address is treated as the whole address.
    public func isInNetwork(_ network: IPAddress, prefixLength: Int) -> Bool {
        switch (self, network) {
        case (.v4(let address), .v4(let base)):
            let bits = max(0, min(prefixLength, 32))
            let mask: UInt32 = bits == 0 ? 0 : ~0 << (32 - bits)
            return address & mask == base & mask
        case (.v6(let high, let low), .v6(let baseHigh, let baseLow)):
            let bits = max(0, min(prefixLength, 128))
            let highMask: UInt64 = bits == 0 ? 0 : (bits >= 64 ? ~0 : ~0 << (64 - bits))
            let lowMask: UInt64 = bits <= 64 ? 0 : (bits == 128 ? ~0 : ~0 << (128 - bits))
            return high & highMask == baseHigh & highMask && low & lowMask == baseLow & lowMask
        default:
            return false
        }
    }

    /// The name whose PTR records map this address back to host names (RFC 1035 §3.5, RFC 3596 §2.5).
    public var reverseName: String {
        switch self {
        case .v4:
            return bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa"
        case .v6:
            let nibbles = bytes.flatMap { [$0 >> 4, $0 & 0xF] }
            return nibbles.reversed().map { String($0, radix: 16) }.joined(separator: ".") + ".ip6.arpa"
        }
    }

    /// Dotted-quad for IPv4, RFC 5952 canonical text for IPv6.
    public var description: String {
        var bytes = self.bytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        _ = inet_ntop(family, &bytes, &text, socklen_t(text.count))
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
