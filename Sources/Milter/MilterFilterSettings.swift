import Foundation
import Auth
import DNS

/// How ``DMARCMilterFilter`` treats mail: the checks' settings and what to do with the verdict.
public struct MilterFilterSettings: Sendable {
    /// An address block whose clients' mail is passed unchecked.
    public struct Network: Sendable, Hashable, CustomStringConvertible {
        /// The block's first address (bits past the prefix are ignored).
        public var address: IPAddress
        /// How many leading bits a client shares with ``address`` to be in the block.
        public var prefixLength: Int

        /// The block of `prefixLength` leading bits of `address`.
        public init(_ address: IPAddress, prefixLength: Int) {
            self.address = address
            self.prefixLength = prefixLength
        }

        /// One address as a block of its own.
        public init(_ address: IPAddress) {
            self.init(address, prefixLength: address.isIPv4 ? 32 : 128)
        }

        /// True when `client` lies in this block; an IPv4-mapped IPv6 client counts as IPv4.
        public func contains(_ client: IPAddress) -> Bool {
            let candidate = client.unmappedIPv4 ?? client
            guard candidate.isIPv4 == address.isIPv4 else { return false }
            return candidate.isInNetwork(address, prefixLength: prefixLength)
        }

        /// CIDR notation, e.g. `192.0.2.0/24`.
        public var description: String { "\(address)/\(prefixLength)" }
    }

    /// 127.0.0.1 and ::1: mail the host sends itself is not checked (OpenDMARC's `IgnoreHosts`
    /// default).
    public static let loopback: [Network] = [Network(IPAddress("127.0.0.1")!), Network(IPAddress("::1")!)]

    /// The keys that sign outgoing mail; empty, nothing is signed and all mail is checked.
    public var signingKeys = DKIMSigningKeys()
    /// Clients whose mail is signed rather than checked (`InternalHosts`), besides SMTP AUTH
    /// clients and local submission.
    public var internalNetworks: [Network] = Self.loopback
    /// Client host names, lower-cased, whose mail is signed rather than checked.
    public var internalHostNames: Set<String> = []

    /// The checks' settings; the authserv-id there is used unless ``authservIDFromMTA`` is set.
    public var authenticator: MessageAuthenticator.Settings
    /// Takes the authserv-id from the MTA's name (macro `j`) when the MTA sends it.
    public var authservIDFromMTA = false
    /// Appends `/QUEUEID` to the authserv-id of the field we add (`AuthservIDWithJobID`).
    public var authservIDWithQueueID = false
    /// Rejects mail whose DMARC disposition is reject.
    public var rejectFailures = false
    /// The text after `550 5.7.1` for rejected mail; `%s` becomes the From: domain.
    public var rejectText = "rejected by DMARC policy for %s"
    /// Puts mail whose DMARC disposition is quarantine in the MTA's hold queue.
    public var holdQuarantined = false
    /// Clients whose mail is passed unchecked.
    public var ignoredNetworks: [Network] = Self.loopback
    /// Clients whose host name, as the MTA found it by reverse and forward DNS, is one of these
    /// (lower-cased) are passed unchecked.
    public var ignoredHostNames: Set<String> = []
    /// Passes mail from SMTP AUTH clients (macro `{auth_authen}`) unchecked.
    public var ignoreAuthenticatedClients = false
    /// From: domains, lower-cased, whose mail gets no header and no action.
    public var ignoredFromDomains: Set<String> = []
    /// Envelope recipients, lower-cased and without angle brackets, whose mail is checked but
    /// not recorded (`IgnoreMailTo` and the report address): mail to our own report mailboxes
    /// must not feed the reports, which could loop (RFC 9991 §5.1).
    public var unrecordedRecipients: Set<String> = []
    /// Envelope recipients in the same form whose mail is kept whole and handed to the filter's
    /// report capture at its end (`ReportMailbox`): our own `rua` mailboxes, whose aggregate
    /// reports dmarcd stores itself.
    public var reportMailboxes: Set<String> = []
    /// Answers SMFIR_DISCARD for captured mail whose recipients are all report mailboxes
    /// (`ReportMailboxDiscard`): the reports are then only in the database.
    public var discardReportMailboxMail = false
    /// The most bytes of one message to a report mailbox that are kept; a longer message is
    /// delivered as usual but not captured. The ingester reads reports of up to 32 MiB
    /// compressed, and Postfix's `message_size_limit` is 10 MB unless raised.
    public var reportMailboxMessageLimit = 32 << 20
    /// Rejects mail whose header breaks the field counts of RFC 5322 §3.6, before any check.
    public var requiredHeaders = false
    /// Rejects mail without a From: domain to check (no From, no address, an unusable domain).
    public var requiredFrom = false
    /// An envelope recipient added to mail that fails DMARC under a reject or quarantine policy
    /// and is not rejected, e.g. `<dmarc-failures@example.com>`.
    public var copyFailuresTo: String?
    /// Keeps each message's body, up to ``FailureReportCandidate/bodyLimit``, for failure
    /// reports that carry the whole message (`FailureReportsIncludeMessage`); only used when a
    /// failure report sender is given to the filter.
    public var failureReportsIncludeMessage = false
    /// The value of a `DMARC-Filter:` field to add to checked mail, if any.
    public var softwareHeader: String?
    /// How long the checks of one message may take once its end has arrived; then it gets
    /// `temperror`. Well inside Postfix's `milter_content_timeout` (300 s), which also covers the
    /// wait for the end-of-message reply.
    public var messageDeadline: Duration = .seconds(60)

    /// Settings that only add Authentication-Results, with the checks set up as given.
    public init(authenticator: MessageAuthenticator.Settings) {
        self.authenticator = authenticator
    }

    /// The SMTP reply for rejected mail from `domain`, e.g. `550 5.7.1 rejected by DMARC policy
    /// for example.com` (RFC 3463 §3.8: X.7.1, delivery not authorized, message refused).
    public func rejectReply(fromDomain domain: String) -> String {
        "550 5.7.1 " + rejectText.replacing("%s", with: domain)
    }
}

extension MilterFilterSettings {
    /// `<User@Example.COM>` as `user@example.com`, the form ``unrecordedRecipients`` holds.
    public static func plainAddress(_ address: String) -> String {
        address.trimmingASCII("<> \t").lowercased()
    }
}
