import DNS

/// The DNS queries of one message's DMARC evaluation: each `_dmarc` name is asked once, every
/// query is counted against a limit, and DNS errors become ``DMARCLookupFailure``s here.
struct DMARCRecordLookup {
    /// What one `_dmarc` name holds after RFC 9989 §4.10 step 2.
    enum Answer: Sendable, Hashable {
        /// No TXT record starting with `v=DMARC1` (NXDOMAIN and NODATA included).
        case absent
        case record(DMARCRecord)
        /// Several DMARC records: "they are all discarded" (RFC 9989 §4.10 step 2).
        case several(Int)
    }

    private let resolver: any DNSResolver
    private let limit: Int
    private var answers: [String: Result<Answer, DMARCLookupFailure>] = [:]
    private var existence: [String: Result<Bool, DMARCLookupFailure>] = [:]
    /// The names queried, in order.
    private(set) var queries: [String] = []

    init(resolver: any DNSResolver, limit: Int) {
        self.resolver = resolver
        self.limit = limit
    }

    /// The DMARC records at `_dmarc.` + `domain` (a normalized name).
    mutating func answer(at domain: String) async throws(DMARCLookupFailure) -> Answer {
        if let known = answers[domain] { return try known.get() }
        let name = "_dmarc." + domain
        try count(name)
        let result: Result<Answer, DMARCLookupFailure>
        do throws(DNSError) {
            // RFC 9989 §4.5: the strings of one TXT record are joined before parsing (TXTRecord.text);
            // §4.10 step 2: records that do not start with v=DMARC1 are discarded.
            let records = try await resolver.txt(name).records.compactMap { try? DMARCRecord.cached(parsing: $0.text) }
            switch records.count {
            case 0: result = .success(.absent)
            case 1: result = .success(.record(records[0]))
            default: result = .success(.several(records.count))
            }
        } catch {
            result = Self.absence(error) ? .success(.absent) : .failure(DMARCLookupFailure(name: name, error: error))
        }
        answers[domain] = result
        return try result.get()
    }

    /// What an earlier query for `_dmarc.` + `domain` found, without asking again.
    func cachedAnswer(at domain: String) -> Answer? {
        try? answers[domain]?.get()
    }

    /// RFC 9989 §3.2.13 and Appendix A.4: a domain exists unless a query for it is answered
    /// NXDOMAIN; NODATA means the name exists without records of the asked type. One query of
    /// type A tells the two apart, as NXDOMAIN does not depend on the type (RFC 8020 §2).
    mutating func exists(_ domain: String) async throws(DMARCLookupFailure) -> Bool {
        if let known = existence[domain] { return try known.get() }
        try count(domain)
        let result: Result<Bool, DMARCLookupFailure>
        do throws(DNSError) {
            _ = try await resolver.a(domain)
            result = .success(true)
        } catch {
            switch error {
            case .nxdomain: result = .success(false)
            case .noData: result = .success(true)
            default: result = .failure(DMARCLookupFailure(name: domain, error: error))
            }
        }
        existence[domain] = result
        return try result.get()
    }

    private mutating func count(_ name: String) throws(DMARCLookupFailure) {
        guard queries.count < limit else { throw .queryLimit(limit) }
        queries.append(name)
    }

    private static func absence(_ error: DNSError) -> Bool {
        error == .nxdomain || error == .noData
    }
}
