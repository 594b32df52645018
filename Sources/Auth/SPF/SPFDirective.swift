import DNS

/// One directive of an SPF record: an optional qualifier and a mechanism (RFC 7208 §4.6.1, §5).
public struct SPFDirective: Sendable, Hashable, CustomStringConvertible {
    /// The result a matching mechanism gives (RFC 7208 §4.6.2).
    public enum Qualifier: Character, Sendable, Hashable {
        case pass = "+"
        case fail = "-"
        case softfail = "~"
        case neutral = "?"

        /// The qualifier written as `byte`, if it is one.
        init?(byte: UInt8) {
            switch byte {
            case UInt8(ascii: "+"): self = .pass
            case UInt8(ascii: "-"): self = .fail
            case UInt8(ascii: "~"): self = .softfail
            case UInt8(ascii: "?"): self = .neutral
            default: return nil
            }
        }

        /// The result of a directive with this qualifier that matches (RFC 7208 §4.6.2).
        public var result: SPFResult {
            switch self {
            case .pass: .pass
            case .fail: .fail
            case .softfail: .softfail
            case .neutral: .neutral
            }
        }
    }

    /// A mechanism with its parsed arguments (RFC 7208 §5). A nil domain-spec means "the current
    /// <domain>" (RFC 7208 §4.8).
    public enum Mechanism: Sendable, Hashable {
        /// RFC 7208 §5.1.
        case all
        /// RFC 7208 §5.2.
        case include(SPFMacroString)
        /// RFC 7208 §5.3.
        case a(SPFMacroString?, CIDRLengths)
        /// RFC 7208 §5.4.
        case mx(SPFMacroString?, CIDRLengths)
        /// RFC 7208 §5.5.
        case ptr(SPFMacroString?)
        /// RFC 7208 §5.6; the prefix length defaults to 32.
        case ip4(IPAddress, prefixLength: Int)
        /// RFC 7208 §5.6; the prefix length defaults to 128.
        case ip6(IPAddress, prefixLength: Int)
        /// RFC 7208 §5.7.
        case exists(SPFMacroString)

        /// True for the terms that count against the limit of 10 DNS-querying terms
        /// (RFC 7208 §4.6.4).
        public var queriesDNS: Bool {
            switch self {
            case .include, .a, .mx, .ptr, .exists: true
            case .all, .ip4, .ip6: false
            }
        }
    }

    /// The dual-cidr-length of `a` and `mx` (RFC 7208 §5.6): how many leading bits of an IPv4 or
    /// IPv6 address must agree.
    public struct CIDRLengths: Sendable, Hashable {
        /// Bits compared for an IPv4 client; 32 when none is given.
        public var ipv4: Int
        /// Bits compared for an IPv6 client; 128 when none is given.
        public var ipv6: Int

        /// Prefix lengths as written; the defaults compare whole addresses (RFC 7208 §5.6).
        public init(ipv4: Int = 32, ipv6: Int = 128) {
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }

        /// The prefix length that applies to `address`.
        public func prefixLength(for address: IPAddress) -> Int {
            address.isIPv4 ? ipv4 : ipv6
        }
    }

    /// The result a match gives; "+" when none is written.
    public var qualifier: Qualifier
    /// What is tested.
    public var mechanism: Mechanism
    /// The directive as published, e.g. `-ip4:192.0.2.0/24`, for outcomes and logs.
    public var text: String

    /// A directive; `text` is how it was written, for outcomes and logs.
    public init(qualifier: Qualifier, mechanism: Mechanism, text: String) {
        self.qualifier = qualifier
        self.mechanism = mechanism
        self.text = text
    }

    public var description: String { text }
}
