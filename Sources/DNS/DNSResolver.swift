/// The record types dmarcd asks for.
public enum DNSRecordType: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case a = 1
    case ptr = 12
    case mx = 15
    case txt = 16
    case aaaa = 28

    public var description: String {
        switch self {
        case .a: "A"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        }
    }
}

/// The records of one successful answer, with the time they may be cached.
public struct DNSAnswer<Record: Sendable & Hashable>: Sendable, Hashable {
    public var records: [Record]
    /// Seconds the answer may be cached (the smallest TTL of the RRset).
    public var ttl: UInt32
    /// True when DNSSEC validated the answer.
    public var isSecure: Bool

    public init(records: [Record], ttl: UInt32, isSecure: Bool = false) {
        self.records = records
        self.ttl = ttl
        self.isSecure = isSecure
    }

    func map<Other>(_ transform: (Record) -> Other?) -> DNSAnswer<Other> {
        DNSAnswer<Other>(records: records.compactMap(transform), ttl: ttl, isSecure: isSecure)
    }
}

/// Something that answers DNS queries.
///
/// An answer always has at least one record; "no records" is ``DNSError/noData`` or
/// ``DNSError/nxdomain``, so every caller decides in one place what absence means.
public protocol DNSResolver: Sendable {
    /// Asks for the records of one type at `name` (a domain name, with or without the final dot).
    func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord>
}

extension DNSResolver {
    /// TXT records at `name`, each keeping its character-strings apart
    /// (``TXTRecord/text`` joins them as RFC 7208 §3.3 says).
    public func txt(_ name: String) async throws(DNSError) -> DNSAnswer<TXTRecord> {
        try await resolve(name, type: .txt).map { if case .txt(let txt) = $0 { txt } else { nil } }
    }

    /// IPv4 addresses of `name`.
    public func a(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        try await resolve(name, type: .a).map { if case .a(let address) = $0 { address } else { nil } }
    }

    /// IPv6 addresses of `name`.
    public func aaaa(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        try await resolve(name, type: .aaaa).map { if case .aaaa(let address) = $0 { address } else { nil } }
    }

    /// Mail exchangers of `name`, in the order the server gave them.
    public func mx(_ name: String) async throws(DNSError) -> DNSAnswer<MXRecord> {
        try await resolve(name, type: .mx).map { if case .mx(let mx) = $0 { mx } else { nil } }
    }

    /// Host names that `address` maps back to (its `in-addr.arpa` or `ip6.arpa` PTR records).
    public func ptr(_ address: IPAddress) async throws(DNSError) -> DNSAnswer<String> {
        try await resolve(address.reverseName, type: .ptr).map { if case .ptr(let name) = $0 { name } else { nil } }
    }
}
