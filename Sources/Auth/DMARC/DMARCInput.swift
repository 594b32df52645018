/// The result of an underlying authentication check, in the result names of RFC 8601 §2.7.
///
/// DMARC only asks whether a check passed (RFC 9989 §4.3), and whether a check that did not pass
/// failed for a temporary reason (RFC 7489 §6.6.2); the other names are kept for the reason text.
public enum DMARCAuthResult: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case none
    case pass
    case fail
    case softfail
    case neutral
    /// DKIM's "policy" (RFC 8601 §2.7.1): the signature verified but local policy refused it.
    case policy
    case temperror
    case permerror

    public var description: String { rawValue }
}

/// What DMARC evaluation needs from a message: its From fields and the SPF and DKIM outcomes
/// (RFC 9989 §5.3.3). The values are plain so that a thin adapter fills them from the SPF and
/// DKIM verifiers.
public struct DMARCInput: Sendable, Hashable {
    /// SPF's verdict on the identity DMARC uses (RFC 9989 §3.2.4, §4.4.2).
    public struct SPF: Sendable, Hashable {
        /// Which SMTP identity SPF checked.
        public enum Scope: String, Sendable, Hashable {
            /// The RFC5321.MailFrom domain.
            case mailFrom = "mfrom"
            /// The HELO/EHLO domain, checked because MAIL FROM was empty: RFC 7208 §2.4 then makes
            /// `postmaster@` the HELO domain the MAIL FROM identity, which RFC 9989 §3.2.4 uses.
            /// Pass a HELO result only in that case; DMARC does not use the HELO identity otherwise.
            case helo
        }

        /// SPF's result (RFC 7208 §2.6).
        public var result: DMARCAuthResult
        /// The domain SPF checked (RFC 9989 §5.3.3: "the domain name used to complete the SPF check").
        public var domain: String
        /// The identity checked.
        public var scope: Scope

        /// An SPF outcome; the scope is the MAIL FROM identity unless said otherwise.
        public init(result: DMARCAuthResult, domain: String, scope: Scope = .mailFrom) {
            self.result = result
            self.domain = domain
            self.scope = scope
        }
    }

    /// One checked DKIM signature (RFC 9989 §5.3.3: its result and its `d` and `s` tags).
    public struct DKIM: Sendable, Hashable {
        /// The signature's verification result (RFC 6376 §6.1).
        public var result: DMARCAuthResult
        /// The `d=` tag, the DKIM Signing Domain (RFC 9989 §3.2.3).
        public var domain: String
        /// The `s=` tag, for reports.
        public var selector: String?

        /// A DKIM outcome for one signature.
        public init(result: DMARCAuthResult, domain: String, selector: String? = nil) {
            self.result = result
            self.domain = domain
            self.selector = selector
        }
    }

    /// The value of every From header field of the message, in message order (unfolded or not).
    /// RFC 9989 §4.4 and §5.3.1 need exactly one field with one domain; other cases are handled
    /// as ``DMARCEvaluator/Configuration/authorDomainHandling`` says.
    public var fromFields: [String]
    /// SPF's result, or nil when SPF was not checked.
    public var spf: SPF?
    /// One entry per DKIM signature checked, in message order.
    public var dkim: [DKIM]

    /// The inputs of one message.
    public init(fromFields: [String], spf: SPF? = nil, dkim: [DKIM] = []) {
        self.fromFields = fromFields
        self.spf = spf
        self.dkim = dkim
    }
}
