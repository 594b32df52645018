/// The Domain Owner Assessment Policy that governs a failing message, and the tag it came from
/// (RFC 9989 §4.10.1).
public struct DMARCAppliedPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Which tag of the record supplied the policy.
    public enum Tag: String, Sendable, Hashable {
        /// `p`: the record is the Author Domain's own.
        case p
        /// `sp`: the Author Domain is an existing subdomain of the policy domain.
        case sp
        /// `np`: the Author Domain is a subdomain that does not exist (RFC 9989 §3.2.13).
        case np
    }

    /// The tag that supplied the policy.
    public var tag: Tag
    /// The policy the tag asks for, before testing mode or sampling.
    public var policy: DMARCPolicy

    /// A policy taken from `tag`.
    public init(tag: Tag, policy: DMARCPolicy) {
        self.tag = tag
        self.policy = policy
    }

    /// In record syntax, e.g. `sp=quarantine`.
    public var description: String { "\(tag.rawValue)=\(policy.rawValue)" }
}
