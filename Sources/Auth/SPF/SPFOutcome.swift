import DNS

/// What one SPF check found, with what a postmaster needs to understand it later: which identity
/// and domain were checked, which mechanism decided, the domain owner's explanation for a fail,
/// and for errors (and "none") the reason.
public struct SPFOutcome: Sendable, Hashable, CustomStringConvertible {
    /// A directive that matched, and the domain whose record holds it.
    public struct Match: Sendable, Hashable, CustomStringConvertible {
        /// The domain whose SPF record holds the directive.
        public var domain: String
        /// The directive as published, e.g. `ip4:192.0.2.0/24` or `-all`.
        public var directive: String

        /// A match of `directive` in the record of `domain`.
        public init(domain: String, directive: String) {
            self.domain = domain
            self.directive = directive
        }

        public var description: String { "\(directive) in \(domain)" }
    }

    /// The RFC 7208 result.
    public var result: SPFResult
    /// The identity checked: MAIL FROM (reported as `smtp.mailfrom`) or HELO (`smtp.helo`).
    public var identity: SPFIdentity
    /// The domain the check started at: the MAIL FROM domain, or the HELO name.
    public var domain: String
    /// The <sender> evaluated: the MAIL FROM address, or `postmaster@` the HELO name for the HELO
    /// identity and for a null reverse-path (RFC 7208 §2.3, §2.4, §4.3).
    public var sender: String
    /// The SMTP client's address as evaluated (an IPv4-mapped IPv6 address is IPv4, RFC 7208 §5).
    public var clientIP: IPAddress
    /// The directives that decided the result, outermost first: for a match inside an
    /// `include`, the include directive and then the matches inside it. Empty when no mechanism
    /// matched (the default neutral, none, errors).
    public var matches: [Match]
    /// The domain owner's explanation (the expanded `exp=` text) for a fail; nil when the
    /// record has none or it could not be used (RFC 7208 §6.2).
    public var explanation: String?
    /// Why the result is none, neutral by default, temperror or permerror; nil for a result a
    /// mechanism gave.
    public var reason: String?

    /// An outcome with every field given; checks build theirs with ``SPFEvaluator``.
    public init(
        result: SPFResult, identity: SPFIdentity, domain: String, sender: String, clientIP: IPAddress,
        matches: [Match] = [], explanation: String? = nil, reason: String? = nil
    ) {
        self.result = result
        self.identity = identity
        self.domain = domain
        self.sender = sender
        self.clientIP = clientIP
        self.matches = matches
        self.explanation = explanation
        self.reason = reason
    }

    /// The directive of the checked domain's record (after any `redirect`) that decided the
    /// result, as Received-SPF's `mechanism=` reports it (RFC 7208 §9.1).
    public var mechanism: String? { matches.first?.directive }

    /// One line for the log: result, identity, domain, client, then how the result came about.
    public var description: String {
        var line = "spf=\(result) \(identity.authenticationResultsProperty)=\(domain) client-ip=\(clientIP)"
        if !matches.isEmpty { line += " matched=\"" + matches.map(\.description).joined(separator: " > ") + "\"" }
        if let reason { line += " reason=\"\(reason)\"" }
        if let explanation { line += " explanation=\"\(SPFRecord.printable(explanation))\"" }
        return line
    }
}
