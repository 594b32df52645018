/// How one Authenticated Identifier relates to the Author Domain (RFC 9989 §4.4, §4.10.2).
public struct DMARCIdentifierCheck: Sendable, Hashable, CustomStringConvertible {
    /// Which mechanism produced the identifier.
    public enum Mechanism: Sendable, Hashable {
        case spf(DMARCInput.SPF.Scope)
        /// A DKIM signature, with its selector when known.
        case dkim(selector: String?)
    }

    /// The alignment found.
    public enum Alignment: Sendable, Hashable {
        /// Identical to the Author Domain (RFC 9989 §3.2.10.2); aligned in both modes.
        case strict
        /// A different domain with the same Organizational Domain (RFC 9989 §3.2.10.1).
        case relaxed(organizationalDomain: String)
        /// Not aligned. The identifier's Organizational Domain is given when a Tree Walk or the
        /// Public Suffix List found one; nil when no lookup was needed to tell.
        case notAligned(organizationalDomain: String?)
        /// Not looked at: the check neither passed nor failed temporarily, so alignment cannot
        /// change the DMARC result (RFC 9989 §4.4.1, §4.4.2).
        case notChecked
        /// The identifier is not a domain name.
        case invalidDomain
        /// A DNS failure while looking for Organizational Domains.
        case undetermined(DMARCLookupFailure)

        /// True for ``strict`` and ``relaxed(organizationalDomain:)``.
        public var isAligned: Bool {
            switch self {
            case .strict, .relaxed: true
            default: false
            }
        }
    }

    /// The mechanism that produced the identifier.
    public var mechanism: Mechanism
    /// The identifier as normalized (lower-case A-label), or as given when it is not a name.
    public var domain: String
    /// The underlying check's result.
    public var result: DMARCAuthResult
    /// The alignment mode the policy record asks for (`aspf` or `adkim`).
    public var mode: DMARCRecord.AlignmentMode
    /// The alignment found with the Author Domain.
    public var alignment: Alignment

    /// A check from its parts.
    public init(mechanism: Mechanism, domain: String, result: DMARCAuthResult, mode: DMARCRecord.AlignmentMode,
                alignment: Alignment) {
        self.mechanism = mechanism
        self.domain = domain
        self.result = result
        self.mode = mode
        self.alignment = alignment
    }

    /// A pass whose identifier is aligned: what RFC 9989 §5.3.5 needs for DMARC to pass.
    public var isAlignedPass: Bool { result == .pass && alignment.isAligned }

    /// One clause of the outcome's reason, e.g. "SPF passed for bounces.example.org, not aligned".
    func summary(authorDomain: String) -> String {
        let subject: String
        switch mechanism {
        case .spf(let scope):
            let identity = scope == .helo ? "SPF (HELO identity)" : "SPF"
            subject = result == .pass ? "\(identity) passed for \(domain)" : "\(identity) \(result) for \(domain)"
        case .dkim:
            subject = result == .pass ? "DKIM signature by \(domain) is valid" : "DKIM signature by \(domain): \(result)"
        }
        switch alignment {
        case .strict:
            return "\(subject) and aligned with the From domain"
        case .relaxed(let organizationalDomain):
            return "\(subject) and aligned (relaxed, organizational domain \(organizationalDomain))"
        case .notAligned(let organizationalDomain):
            let mode = self.mode == .strict ? " (strict alignment required)" : ""
            let organization = organizationalDomain.map { ", organizational domain \($0)" } ?? ""
            switch mechanism {
            case .dkim: return "\(subject) but not aligned with the From domain \(authorDomain)\(organization)\(mode)"
            case .spf: return "\(subject), not aligned\(organization)\(mode)"
            }
        case .notChecked:
            return subject
        case .invalidDomain:
            return "\(subject) (not a domain name)"
        case .undetermined(let failure):
            return "\(subject), alignment unknown (\(failure))"
        }
    }

    public var description: String {
        let aligned = alignment.isAligned ? "aligned" : "unaligned"
        switch mechanism {
        case .spf: return "spf \(result) \(domain) \(aligned)"
        case .dkim(let selector): return "dkim \(result) \(domain)\(selector.map { " s=\($0)" } ?? "") \(aligned)"
        }
    }
}
