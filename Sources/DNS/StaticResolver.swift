/// An in-memory zone for pure-logic tests: answers from records it was given, never the network.
///
/// Names are compared without regard to case. A name that owns no records but has names below it
/// answers ``DNSError/noData`` (an empty non-terminal), any other unknown name
/// ``DNSError/nxdomain``. Aliases are followed as a recursive resolver would.
public struct StaticResolver: DNSResolver {
    private var records: [String: [DNSRecord]] = [:]
    private var aliases: [String: String] = [:]
    private var failures: [String: DNSError] = [:]
    private var ttls: [String: UInt32] = [:]

    public init() {}

    /// A resolver serving the records of a zone in master-file form (see ``ZoneFile``).
    public init(zone text: String, origin: String = "") throws(ZoneFile.ParseError) {
        for entry in try ZoneFile(text, origin: origin).entries {
            switch entry.data {
            case .record(let record): add(record, at: entry.name, ttl: entry.ttl)
            case .alias(let target): addAlias(entry.name, to: target)
            case .other: break
            }
        }
    }

    /// Serves `record` at `name`. Names inside MX and PTR records may be given with the final
    /// dot; answers carry them without it, as a real resolver's do.
    public mutating func add(_ record: DNSRecord, at name: String, ttl: UInt32 = 300) {
        let key = Self.key(name)
        records[key, default: []].append(Self.withoutFinalDots(record))
        ttls[key] = min(ttls[key] ?? ttl, ttl)
    }

    /// Makes `name` an alias (CNAME) of `target`.
    public mutating func addAlias(_ name: String, to target: String) {
        aliases[Self.key(name)] = Self.key(target)
    }

    /// Makes every query for `name`, of any type, fail with `error` (a timeout, a SERVFAIL).
    public mutating func fail(_ name: String, with error: DNSError) {
        failures[Self.key(name)] = error
    }

    public func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord> {
        var key = Self.key(name)
        // RFC 1034 §3.6.2: a resolver follows a chain of aliases; 8 steps is plenty and stops loops.
        for _ in 0..<8 {
            if let error = failures[key] { throw error }
            guard let target = aliases[key] else { break }
            key = target
        }
        let matching = records[key, default: []].filter { $0.type == type }
        if !matching.isEmpty { return DNSAnswer(records: matching, ttl: ttls[key] ?? 300) }
        if records[key] != nil || aliases[key] != nil { throw .noData }
        let suffix = "." + key
        let ownsNamesBelow = records.keys.contains { $0.hasSuffix(suffix) } || aliases.keys.contains { $0.hasSuffix(suffix) }
        throw ownsNamesBelow ? .noData : .nxdomain
    }

    private static func withoutFinalDots(_ record: DNSRecord) -> DNSRecord {
        switch record {
        case .mx(var mx):
            mx.exchange = withoutFinalDot(mx.exchange)
            return .mx(mx)
        case .ptr(let name):
            return .ptr(withoutFinalDot(name))
        case .a, .aaaa, .txt:
            return record
        }
    }

    private static func withoutFinalDot(_ name: String) -> String {
        name.hasSuffix(".") ? String(name.dropLast()) : name
    }

    private static func key(_ name: String) -> String {
        withoutFinalDot(name).lowercased()
    }
}
