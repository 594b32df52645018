/// Why a DNS query produced no records.
///
/// Callers need to tell a definite "there is nothing" (``nxdomain``, ``noData``) from "we could
/// not find out" (``serverFailure``, ``timeout``): SPF, DKIM and DMARC map the first to `none`
/// or `permerror` and the second to `temperror` (RFC 7208 §5, RFC 6376 §6.1.2, RFC 9989 §4.7).
public enum DNSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The name does not exist (RCODE 3).
    case nxdomain
    /// The name exists but has no record of the asked type.
    case noData
    /// The server answered with an error, or DNSSEC validation failed; the text says which.
    case serverFailure(String)
    /// No answer arrived before the deadline, or the caller stopped waiting.
    case timeout
    /// An answer arrived but its data could not be read; the text says what was wrong.
    case malformed(String)

    /// True for failures that may go away on a later try (RFC 7208 §2.6.6 "temperror").
    public var isTemporary: Bool {
        switch self {
        case .serverFailure, .timeout: true
        case .nxdomain, .noData, .malformed: false
        }
    }

    public var description: String {
        switch self {
        case .nxdomain: "NXDOMAIN"
        case .noData: "no records of that type"
        case .serverFailure(let why): "server failure (\(why))"
        case .timeout: "timed out"
        case .malformed(let why): "malformed answer (\(why))"
        }
    }
}
