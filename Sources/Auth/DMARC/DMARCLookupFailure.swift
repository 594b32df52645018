import DNS

/// Why DMARC could not finish its DNS lookups; the single place that decides between
/// temperror and permerror (RFC 9989 §5.3.6, §9.2).
public enum DMARCLookupFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// A query for `name` failed in a way a later try may not (a timeout, SERVFAIL).
    case temporary(name: String, DNSError)
    /// A query for `name` got an answer that could not be read.
    case permanent(name: String, DNSError)
    /// The message needed more DNS queries than ``DMARCEvaluator/Limits/dnsQueries`` allows.
    case queryLimit(Int)

    init(name: String, error: DNSError) {
        self = error.isTemporary ? .temporary(name: name, error) : .permanent(name: name, error)
    }

    /// The DMARC result this failure leads to.
    public var result: DMARCResult {
        switch self {
        case .temporary: .temperror
        case .permanent, .queryLimit: .permerror
        }
    }

    public var description: String {
        switch self {
        case .temporary(let name, let error), .permanent(let name, let error): "DNS query for \(name): \(error)"
        case .queryLimit(let limit): "more than \(limit) DNS queries needed"
        }
    }
}
