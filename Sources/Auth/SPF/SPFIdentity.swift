/// Which identity an SPF check authorized (RFC 7208 §2.3, §2.4).
public enum SPFIdentity: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The reverse-path of the SMTP MAIL command; for a null reverse-path, `postmaster@` the HELO
    /// name (RFC 7208 §2.4).
    case mailFrom = "mailfrom"
    /// The domain the client gave in HELO or EHLO (RFC 7208 §2.3).
    case helo

    /// The Authentication-Results property that reports this identity: `smtp.mailfrom` or
    /// `smtp.helo` (RFC 8601 §2.7.2, RFC 7208 §9.2).
    public var authenticationResultsProperty: String {
        switch self {
        case .mailFrom: "smtp.mailfrom"
        case .helo: "smtp.helo"
        }
    }

    /// The Received-SPF `identity=` value (RFC 7208 §9.1).
    public var description: String { rawValue }
}
