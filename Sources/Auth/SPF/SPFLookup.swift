import DNS

/// What one DNS query means to SPF. This is the one place where a ``DNSError`` is classified:
/// everything after it works with these three cases.
enum SPFLookup<Record: Sendable & Hashable>: Sendable {
    /// The records found (never empty).
    case records([Record])
    /// The name does not exist, or has no records of the type: RFC 7208 §5 treats both as zero
    /// records, and §4.6.4 calls the query a "void lookup". The text says which.
    case void(String)
    /// Anything else, a server failure, a timeout or an answer that could not be read: RCODE
    /// other than 0 or 3, which RFC 7208 §4.4 and §5 make temperror.
    case failed(String)

    /// Runs `query` and classifies how it ended. A cancelled evaluation (its deadline passed)
    /// asks nothing more of DNS.
    init(_ query: () async throws(DNSError) -> DNSAnswer<Record>) async {
        guard !Task.isCancelled else {
            self = .failed("evaluation stopped")
            return
        }
        do {
            let answer = try await query()
            self = answer.records.isEmpty ? .void(DNSError.noData.description) : .records(answer.records)
        } catch {
            switch error {
            case .nxdomain, .noData: self = .void(error.description)
            case .serverFailure, .timeout, .malformed: self = .failed(error.description)
            }
        }
    }

    /// The records, none for a void lookup; a failure aborts the evaluation with temperror
    /// (RFC 7208 §4.4, §5). `what` names the query for the reason, e.g. "A example.com".
    func recordsOrTemperror(_ what: String) throws(SPFEvaluation.Abort) -> [Record] {
        switch self {
        case .records(let records): return records
        case .void: return []
        case .failed(let why): throw SPFEvaluation.Abort(.temperror, "DNS lookup of \(what) failed: \(why)")
        }
    }

    /// The records, none for a void lookup or a failure: for the lookups whose errors RFC 7208
    /// says to skip (PTR in §5.5, explanations in §6.2).
    var recordsIgnoringErrors: [Record] {
        if case .records(let records) = self { records } else { [] }
    }

    var isVoid: Bool {
        if case .void = self { true } else { false }
    }
}
