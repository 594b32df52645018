import Logging

/// Every setting dmarcd reads from `dmarcd.conf`, typed, with the defaults a user gets when a key
/// is absent.
///
/// The file format and most key names are those of `opendmarc.conf`, so an existing OpenDMARC file
/// loads unchanged; ``ConfigurationKey/all`` says for each key how its text becomes a field here,
/// and ``ConfigurationParser`` turns a file into this value.
public struct Configuration: Sendable, Hashable {
    /// Where the daemon and `dmarcd check-config` look when no file is named.
    public static let defaultPath = "/etc/dmarcd/dmarcd.conf"

    /// The configuration of an empty file.
    public static let defaults = Configuration()

    // MARK: Milter

    /// Where Postfix connects to the milter (`Socket`): one listener each, never none.
    public var sockets: [MilterSocketAddress] = [.inet(host: "127.0.0.1", port: 8893)]
    /// The file-creation mask for the UNIX socket and the files dmarcd creates (`UMask`); `nil`
    /// keeps the mask dmarcd was started with.
    public var umask: UInt32?
    /// The account to switch to after the socket is open (`UserID`); `nil` stays as started.
    public var userID: UserID?

    // MARK: Authentication-Results

    /// The authserv-id of the Authentication-Results fields dmarcd adds (`AuthservID`): `nil` uses
    /// the MTA's name (milter macro `j`); the literal `HOSTNAME` means this machine's host name.
    public var authservID: String?
    /// Appends `/QUEUEID` to the authserv-id (`AuthservIDWithJobID`).
    public var authservIDWithJobID = false
    /// The authserv-ids whose SPF, DKIM and ARC results in arriving Authentication-Results fields
    /// are believed (`TrustedAuthservIDs`); `nil` means ``authservID`` when it is set, else
    /// `HOSTNAME`, as in OpenDMARC. See ``effectiveTrustedAuthservIDs``.
    public var trustedAuthservIDs: [String]?
    /// Adds a `DMARC-Filter:` field naming dmarcd (`SoftwareHeader`).
    public var softwareHeader = false

    // MARK: Which mail is checked

    /// A file of host names, addresses and CIDR blocks whose mail is passed unchecked
    /// (`IgnoreHosts`); `nil` skips only 127.0.0.1 and ::1. OpenDMARC 1.4.2 reads the file instead
    /// of that default; its develop branch skips the two loopback addresses as well.
    public var ignoreHostsFile: String?
    /// Passes mail from SMTP AUTH clients unchecked (`IgnoreAuthenticatedClients`).
    public var ignoreAuthenticatedClients = false
    /// From: domains, lower-cased, whose mail is passed unchecked (`IgnoreMailFrom`).
    public var ignoreMailFrom: [String] = []
    /// Recipients, lower-cased, whose inbound mail is not recorded for aggregate reports, which
    /// breaks report loops through one's own `rua=` mailbox (`IgnoreMailTo`).
    public var ignoreMailTo: [String] = []

    // MARK: Signing

    /// Keys that sign mail from one From: domain (`Sign`, one line each, repeatable; two lines
    /// for one domain sign twice, e.g. rsa and ed25519).
    public var signLines: [SignLine] = []
    /// OpenDKIM's KeyTable file (`KeyTable`): `name domain:selector:/path/to/key` lines.
    public var keyTableFile: String?
    /// OpenDKIM's SigningTable file (`SigningTable`), `refile:` for wildcard patterns.
    public var signingTableFile: String?
    /// Hosts whose mail is signed rather than checked (`InternalHosts`); `nil` means 127.0.0.1
    /// and ::1 only.
    public var internalHostsFile: String?
    /// The header and body canonicalizations of our signatures (`Canonicalization`).
    public var canonicalization = SigningCanonicalization(header: .relaxed, body: .relaxed)

    // MARK: SPF

    /// Ignores SPF results found in the message's header fields (`SPFIgnoreResults`).
    public var spfIgnoreResults = false
    /// Checks SPF itself when no trusted SPF result arrived with the message (`SPFSelfValidate`).
    /// On by default, unlike OpenDMARC: dmarcd replaces the separate SPF and DKIM verifiers.
    public var spfSelfValidate = true

    // MARK: DMARC policy

    /// The DMARC specification to follow (`DMARCStandard`). RFC 9989 is the current one; RFC
    /// 7489 stays for sites that want its Public Suffix List and `pct` sampling.
    public var dmarcStandard: DMARCStandard = .rfc9989
    /// The Public Suffix List file for RFC 7489 organizational domains (`PublicSuffixList`);
    /// read only with `DMARCStandard rfc7489`, as RFC 9989's DNS tree walk does not need it.
    public var publicSuffixListFile: String?
    /// ARC sealer domains, lower-cased, trusted to vouch for a message that fails DMARC after
    /// forwarding (`TrustedARCSealers`, formerly `DomainWhitelist`).
    public var trustedARCSealers: [String] = []
    /// A file with more trusted ARC sealer domains, one a line (`TrustedARCSealersFile`).
    public var trustedARCSealersFile: String?
    /// Rejects mail that fails under `p=reject` and tempfails when the check itself failed
    /// (`RejectFailures`); otherwise dmarcd only adds Authentication-Results.
    public var rejectFailures = false
    /// The SMTP reply text for rejected mail; one `%s` becomes the From: domain (`RejectString`).
    public var rejectString = "rejected by DMARC policy for %s"
    /// Sends mail that fails under `p=quarantine` to Postfix's hold queue (`HoldQuarantinedMessages`).
    public var holdQuarantinedMessages = false
    /// Rejects a From: field whose addresses are in different domains (`RejectMultiValueFrom`);
    /// OpenDMARC's form of `MultiValueFrom reject`, which it overrides when true.
    public var rejectMultiValueFrom = false
    /// How a From: field without a single Author Domain is handled (`MultiValueFrom`).
    public var multiValueFrom: MultiValueFrom = .evaluate
    /// Rejects mail whose From: domain cannot be found (`RequiredFrom`).
    public var requiredFrom = false
    /// Rejects mail that breaks the header field counts of RFC 5322 §3.6 (`RequiredHeaders`).
    public var requiredHeaders = false
    /// An envelope recipient added to every message that fails under a reject or quarantine
    /// policy (`CopyFailuresTo`).
    public var copyFailuresTo: String?

    // MARK: History and reports

    /// An OpenDMARC history file whose records are imported into the database (`HistoryFile`).
    public var historyFile: String?
    /// Records messages for aggregate reports even when the From: domain publishes no DMARC
    /// record (`RecordAllMessages`).
    public var recordAllMessages = false
    /// Sends failure reports (RFC 9991) to the `ruf=` addresses of failing domains (`FailureReports`).
    public var failureReports = false
    /// Addresses that get every failure report as well (`FailureReportsBcc`).
    public var failureReportsBcc: [String] = []
    /// Also sends failure reports for domains that publish `p=none` (`FailureReportsOnNone`).
    public var failureReportsOnNone = false
    /// The From: of failure reports (`FailureReportsSentBy`); `nil` is dmarcd's user at this host.
    public var failureReportsSentBy: String?
    /// Failure reports carry the whole message rather than its header fields only
    /// (`FailureReportsIncludeMessage`).
    public var failureReportsIncludeMessage = false
    /// The command that gets each report mail on standard input (`ReportCommand`), split into
    /// words without a shell; unused when `ReportSMTPHost` is set.
    public var reportCommand = "/usr/sbin/sendmail -t"
    /// A file of addresses or domains that never get reports (`NoReportsList`).
    public var noReportsListFile: String?
    /// At most this many `rua` destinations of one policy domain get its aggregate report
    /// (`ReportURIsPerDomain`).
    public var reportURIsPerDomain = 2
    /// The SMTP smarthost that takes reports (`ReportSMTPHost`); `nil` pipes them to
    /// `ReportCommand` instead.
    public var reportSMTPHost: ListenAddress?
    /// Whether report mail to the smarthost is encrypted (`ReportSMTPTLS`).
    public var reportSMTPTLS = ReportSMTPTLS.starttls
    /// The certificate authorities that the smarthost's certificate must chain to
    /// (`ReportSMTPCAFile`); `nil` trusts the system's.
    public var reportSMTPCAFile: String?
    /// The SMTP AUTH user name at the smarthost (`ReportSMTPUser`); `nil` does not authenticate.
    public var reportSMTPUser: String?
    /// A file holding the SMTP AUTH password on its first line (`ReportSMTPPasswordFile`).
    public var reportSMTPPasswordFile: String?
    /// Builds aggregate reports (RFC 9990) and sends them to the `rua=` addresses
    /// (`AggregateReports`). Off by default, as OpenDMARC's reports needed their cron job set up.
    public var aggregateReports = false
    /// The reports' `org_name` (`ReportingOrganization`); `nil` is the domain of ``reportEmail``.
    public var reportingOrganization: String?
    /// The reports' `email` and the From of report mail (`ReportEmail`); `nil` is `postmaster`
    /// at this host's domain, as `opendmarc-reports --report-email` defaulted.
    public var reportEmail: String?
    /// The reports' `extra_contact_info` (`ReportContactInfo`).
    public var reportContactInfo: String?
    /// The length of a reporting window in seconds, dividing a day (`ReportInterval`);
    /// `opendmarc-reports --interval` had the same default.
    public var reportInterval = 86_400
    /// Seconds a report's temporary delivery failures are retried (`ReportRetryTime`).
    public var reportRetryTime = 172_800
    /// Most report deliveries per UTC day (`ReportDailyLimit`); 0 for no limit.
    public var reportDailyLimit = 1000
    /// Our own `rua` mailboxes (`ReportMailbox`): the milter keeps mail to them
    /// whole and the daemon stores the aggregate reports in it. Such mail is not recorded for
    /// reports, like mail to `IgnoreMailTo` addresses.
    public var reportMailboxes: [String] = []
    /// Discards captured mail whose recipients are all report mailboxes (`ReportMailboxDiscard`).
    public var reportMailboxDiscard = false
    /// A Maildir whose new messages the daemon stores the reports of (`ReportMaildir`).
    public var reportMaildir: String?

    // MARK: dmarcd's own settings

    /// Where the status page, JSON API, `/metrics` and `/healthz` listen (`HTTPListen`); nil
    /// serves none of them.
    public var httpListenAddress: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 8080)
    /// The user and bcrypt hash that the status page asks for (`HTTPUser`, `HTTPPasswordHash`).
    public var httpUser: String?
    public var httpPasswordHash: String?
    /// Serve the status page beyond the loopback interface without a password
    /// (`HTTPAllowUnauthenticated`), for a site that guards it otherwise.
    public var httpAllowUnauthenticated = false
    /// The SQLite database of evaluations, reports and outbox (`DatabasePath`).
    public var databasePath = "/var/lib/dmarcd/dmarcd.sqlite"
    /// Days the history keeps an evaluated message, as `opendmarc-expire` did by default
    /// (`HistoryRetention`); 0 keeps every message.
    public var historyRetentionDays = 180
    /// The DNS servers to ask (`Nameservers`); empty uses those of /etc/resolv.conf.
    public var nameservers: [Nameserver] = []
    /// A DNSSEC trust anchor file (`DNSSECTrustAnchorFile`); `nil` does no DNSSEC validation.
    public var dnssecTrustAnchorFile: String?
    /// How long one DNS query may take before the check it serves becomes `temperror` (`DNSTimeout`).
    public var dnsTimeout: Duration = .seconds(5)
    /// The least severe log messages written (`LogLevel`).
    public var logLevel: Logger.Level = .info

    /// The defaults; change fields or load a file with ``ConfigurationParser``.
    public init() {}

    /// The authserv-ids to trust once OpenDMARC's fallback is applied: the configured list, else
    /// the authserv-id when one is set, else `HOSTNAME`.
    public var effectiveTrustedAuthservIDs: [String] {
        trustedAuthservIDs ?? [authservID ?? "HOSTNAME"]
    }
}
