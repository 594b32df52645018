/// The result of an SPF check, with the names RFC 7208 §2.6 gives them (and that
/// Authentication-Results and Received-SPF use, RFC 8601 §2.7.2, RFC 7208 §9.1).
public enum SPFResult: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No syntactically valid domain, or no SPF record at it (RFC 7208 §2.6.1).
    case none
    /// The domain owner says nothing about the client (RFC 7208 §2.6.2).
    case neutral
    /// The client is authorized to use the identity (RFC 7208 §2.6.3).
    case pass
    /// The client is not authorized to use the identity (RFC 7208 §2.6.4).
    case fail
    /// The client is probably not authorized (RFC 7208 §2.6.5).
    case softfail
    /// A transient (usually DNS) error; a later retry may succeed (RFC 7208 §2.6.6).
    case temperror
    /// The published records could not be interpreted (RFC 7208 §2.6.7).
    case permerror

    public var description: String { rawValue }
}
