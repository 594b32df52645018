import DNS
import Foundation

/// One checked message as the history keeps it: its envelope, everything the checks found, and
/// what was done with it. The milter produces one per checked message; the history store, the
/// aggregate reports and the status page read them.
public struct MessageEvaluation: Sendable, Hashable {
    /// What the receiver did with the message (RFC 9990 `ActionDispositionType`).
    public enum Disposition: String, Sendable, Hashable, CaseIterable {
        /// DMARC passed.
        case pass
        /// DMARC did not pass and the message was delivered as usual.
        case none
        /// Held in the MTA's hold queue.
        case quarantine
        /// Refused at the end of DATA.
        case reject
    }

    /// Why the disposition applied differs from the one the policy asked for (RFC 9990
    /// `PolicyOverrideType`).
    public enum OverrideReason: String, Sendable, Hashable, CaseIterable {
        case localPolicy = "local_policy"
        case mailingList = "mailing_list"
        case other
        case policyTestMode = "policy_test_mode"
        case trustedForwarder = "trusted_forwarder"
    }

    /// When the message's end arrived and the verdict was made.
    public var time: Date
    /// The MTA's queue id, when it sent one.
    public var queueID: String?
    public var envelope: MessageAuthenticator.Envelope
    /// The domains of the RCPT TO addresses, lower-cased, each once, in arrival order
    /// (RFC 9990 `envelope_to`).
    public var recipientDomains: [String]
    public var verdict: MessageVerdict
    public var disposition: Disposition
    public var overrideReason: OverrideReason?
    /// Free text next to ``overrideReason`` for a postmaster reading the report.
    public var overrideComment: String?
    /// The first From and Subject fields' values as they arrived, as ``keptValue(of:)`` keeps
    /// them, for the status page.
    public var fromField: String?
    public var subject: String?

    public init(time: Date, queueID: String?, envelope: MessageAuthenticator.Envelope, recipientDomains: [String],
                verdict: MessageVerdict, disposition: Disposition,
                overrideReason: OverrideReason? = nil, overrideComment: String? = nil,
                fromField: String? = nil, subject: String? = nil) {
        self.time = time
        self.queueID = queueID
        self.envelope = envelope
        self.recipientDomains = recipientDomains
        self.verdict = verdict
        self.disposition = disposition
        self.overrideReason = overrideReason
        self.overrideComment = overrideComment
        self.fromField = fromField
        self.subject = subject
    }

    /// The domain of the MAIL FROM address, lower-cased; nil for the null reverse-path
    /// (RFC 9990 `envelope_from` is then empty).
    public var mailFromDomain: String? {
        envelope.hasNullSender ? nil : Self.domain(ofAddress: envelope.mailFrom)
    }

    /// The longest From or Subject value kept, in characters: enough to recognise a message,
    /// while a hostile sender cannot make the history grow by much.
    public static let maximumKeptFieldLength = 200

    /// A field's value unfolded and cut to ``maximumKeptFieldLength``.
    public static func keptValue(of field: HeaderField) -> String {
        let text = field.unfoldedValue
        return text.count <= maximumKeptFieldLength ? text : String(text.prefix(maximumKeptFieldLength - 1)) + "…"
    }

    /// The domain of an envelope address as the MTA gives it (`<user@example.com>`), lower-cased.
    public static func domain(ofAddress address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = address[address.index(after: at)...]
            .trimmingASCII("<> \t").lowercased()
        return domain.isEmpty ? nil : domain
    }
}
