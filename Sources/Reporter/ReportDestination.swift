import Auth

/// What became of one published `rua` URI for one report (RFC 9990 §3.5, §4).
public struct ReportDestination: Sendable, Hashable, CustomStringConvertible {
    /// Whether the report goes to the URI.
    public enum Decision: Sendable, Hashable {
        /// Send the report to `address`: the URI's own address, or the one the destination's
        /// `_report._dmarc` record put in its place (RFC 9990 §4 step 9).
        case accepted(address: String)
        /// Never send this report there; the reason says why.
        case skipped(SkipReason)
        /// The verification could not finish (a DNS timeout or server failure); ask again later
        /// (RFC 9990 §4 step 5).
        case retryLater(reason: String)
    }

    /// Why a URI gets no report.
    public enum SkipReason: Sendable, Hashable, CustomStringConvertible {
        /// Only `mailto:` is supported (RFC 9990 §3.5.3 leaves other schemes to later documents).
        case unsupportedScheme(String)
        /// The `mailto:` URI holds no usable `local@domain` address.
        case malformedAddress
        /// The URIs before it already used up the per-domain limit (RFC 9990 §3.5 "up to the
        /// Receiver's limits on supported URIs").
        case beyondLimit(Int)
        /// The address or its domain is on the exclusion list.
        case excluded
        /// The message is larger than the URI's size limit.
        case tooLarge(messageSize: Int, limit: UInt64)
        /// The destination's domain did not confirm that it takes reports for the policy domain
        /// (RFC 9990 §4 steps 4, 7, and the override rule after step 9).
        case notAuthorized(String)

        public var description: String {
            switch self {
            case .unsupportedScheme(let scheme): "the \(scheme): scheme is not supported, only mailto:"
            case .malformedAddress: "no usable address in the mailto: URI"
            case .beyondLimit(let limit): "only the first \(limit) supported destinations get reports"
            case .excluded: "on the no-reports list"
            case .tooLarge(let size, let limit): "the report mail has \(size) bytes, the destination takes at most \(limit)"
            case .notAuthorized(let why): "external destination not authorized: \(why)"
            }
        }
    }

    /// The URI as published in the policy record.
    public var uri: DMARCReportURI
    public var decision: Decision

    public init(uri: DMARCReportURI, decision: Decision) {
        self.uri = uri
        self.decision = decision
    }

    /// The address to send to, when the report goes to this destination.
    public var address: String? {
        if case .accepted(let address) = decision { address } else { nil }
    }

    public var description: String {
        switch decision {
        case .accepted(let address): "\(uri): send to \(address)"
        case .skipped(let reason): "\(uri): skipped, \(reason)"
        case .retryLater(let reason): "\(uri): try later, \(reason)"
        }
    }
}
