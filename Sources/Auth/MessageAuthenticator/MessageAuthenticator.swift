import DNS
import Foundation

/// Checks one message as it arrives, the way a milter sees it: SPF starts as soon as the envelope
/// is known, DKIM hashes header fields and body chunks as they come, and DMARC decides at the
/// end. ``finish()`` returns everything as one ``MessageVerdict``.
///
/// ```swift
/// var check = MessageAuthenticator(resolver: resolver, settings: settings, envelope: envelope)
/// for field in fields { check.header(field) }
/// check.endOfHeaders()
/// for chunk in body { check.body(chunk) }
/// let verdict = await check.finish()
/// ```
public struct MessageAuthenticator: Sendable {
    /// What the authenticator needs to know about the site.
    public struct Settings: Sendable {
        /// The `authserv-id` of the Authentication-Results field we add (RFC 8601 §2.5).
        public var authservID: String
        public var spfLimits: SPFEvaluator.Limits
        public var dkimLimits: DKIMVerifier.Limits
        public var dmarc: DMARCEvaluator.Configuration
        /// Hosts whose SPF results in arriving Authentication-Results fields are believed
        /// (OpenDMARC's `TrustedAuthservIDs`), compared without regard to case.
        public var trustedAuthservIDs: Set<String>
        /// Checks SPF here; when false, DMARC uses the SPF result of a trusted host, if any
        /// (OpenDMARC's `SPFSelfValidate`).
        public var checksSPF: Bool
        /// ARC sealer domains (the ARC-Seal `d=`), lower-cased, whose record of a DMARC pass
        /// upstream overrides a DMARC failure here (RFC 8617 §7.2).
        public var trustedARCSealers: Set<String>

        public init(
            authservID: String,
            spfLimits: SPFEvaluator.Limits = .init(),
            dkimLimits: DKIMVerifier.Limits = .init(),
            dmarc: DMARCEvaluator.Configuration = .init(),
            trustedAuthservIDs: Set<String> = [],
            checksSPF: Bool = true,
            trustedARCSealers: Set<String> = []
        ) {
            self.authservID = authservID
            self.spfLimits = spfLimits
            self.dkimLimits = dkimLimits
            self.dmarc = dmarc
            self.trustedAuthservIDs = trustedAuthservIDs
            self.checksSPF = checksSPF
            self.trustedARCSealers = trustedARCSealers
        }
    }

    /// The SMTP envelope of the message.
    public struct Envelope: Sendable, Hashable {
        /// The client's address; nil when the MTA does not know it (local submission), in which
        /// case SPF is not checked.
        public var clientIP: IPAddress?
        public var helo: String
        /// The MAIL FROM address as given, with or without angle brackets; empty for the null
        /// reverse-path of bounces.
        public var mailFrom: String

        public init(clientIP: IPAddress?, helo: String, mailFrom: String) {
            self.clientIP = clientIP
            self.helo = helo
            self.mailFrom = mailFrom
        }

        /// True for the null reverse-path `<>` (RFC 5321 §4.5.5).
        var hasNullSender: Bool {
            let address = mailFrom.trimmingASCII("<> \t")
            return address.isEmpty
        }
    }

    private let settings: Settings
    private let envelope: Envelope
    private let resolver: any DNSResolver
    private let spfCheck: Task<SPFOutcome, Never>?
    private var dkim: DKIMVerifier
    private var arc: ARCValidator
    private var fromFields: [String] = []
    private var authenticationResultsFieldCount = 0
    private var forgedResultFields: [Int] = []
    private var trustedSPF: DMARCInput.SPF?

    /// Starts checking a message whose envelope is known; SPF begins at once, in a task of its
    /// own on `executor` (nil: the global executor).
    public init(resolver: any DNSResolver, settings: Settings, envelope: Envelope,
                executor: (any TaskExecutor)? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.envelope = envelope
        self.resolver = resolver
        dkim = DKIMVerifier(resolver: resolver, limits: settings.dkimLimits, now: now)
        arc = ARCValidator(resolver: resolver, limits: settings.dkimLimits)
        if settings.checksSPF, let clientIP = envelope.clientIP {
            let spf = SPFEvaluator(resolver: resolver, limits: settings.spfLimits, receivingHost: settings.authservID,
                                   executor: executor)
            spfCheck = Task(executorPreference: executor) {
                await spf.checkMailFrom(envelope.mailFrom, helo: envelope.helo, clientIP: clientIP)
            }
        } else {
            spfCheck = nil
        }
    }

    /// One header field, in message order.
    public mutating func header(_ field: HeaderField) {
        dkim.header(field)
        arc.header(field)
        if field.hasName("From") {
            fromFields.append(field.unfoldedValue)
        } else if field.hasName(AuthenticationResultsHeader.fieldName) {
            authenticationResultsFieldCount += 1
            if AuthenticationResultsParser.claims(field.unfoldedValue, authservID: settings.authservID) {
                forgedResultFields.append(authenticationResultsFieldCount)
            } else if !settings.checksSPF, trustedSPF == nil {
                trustedSPF = Self.trustedSPF(in: field.unfoldedValue, from: settings.trustedAuthservIDs)
            }
        }
    }

    public mutating func endOfHeaders() {
        dkim.endOfHeaders()
        arc.endOfHeaders()
    }

    /// A piece of the body, CRLF line ends, split anywhere.
    public mutating func body(_ chunk: some Collection<UInt8>) {
        dkim.body(chunk)
        arc.body(chunk)
    }

    /// Stops the checks of a message that will not be finished (the MTA aborted it): the SPF
    /// check asks DNS nothing more.
    public func cancel() {
        spfCheck?.cancel()
    }

    /// Finishes DKIM and ARC (their key lookups run concurrently), waits for SPF, evaluates
    /// DMARC, applies a trusted ARC sealer's override and assembles the verdict. Cancelling the
    /// calling task cancels the SPF check too, which runs in a task of its own.
    public mutating func finish() async -> MessageVerdict {
        async let arcResult = { [arc] in
            var arc = arc
            return await arc.finish()
        }()
        let dkimResults = await dkim.finish()
        let spf = await withTaskCancellationHandler { [spfCheck] in
            await spfCheck?.value
        } onCancel: { [spfCheck] in
            spfCheck?.cancel()
        }
        let input = DMARCInput(
            fromFields: fromFields,
            spf: spf.map { DMARCInput.SPF(outcome: $0, nullSender: envelope.hasNullSender) } ?? trustedSPF,
            dkim: dkimResults.compactMap(DMARCInput.DKIM.init(result:)))
        var dmarc = await DMARCEvaluator(resolver: resolver, configuration: settings.dmarc).evaluate(input)
        let arc = await arcResult
        let trustedSealer = Self.trustedSealerVouching(for: dmarc, arc: arc, trusted: settings.trustedARCSealers)
        if let trustedSealer {
            dmarc.disposition = .none
            dmarc.notes.append("arc override: \(trustedSealer) saw dmarc=pass")
        }
        return MessageVerdict(
            authservID: settings.authservID, spf: spf, dkim: dkimResults, arc: arc, dmarc: dmarc,
            trustedARCSealer: trustedSealer, forgedAuthenticationResults: forgedResultFields)
    }

    /// The verdict for a message whose checks could not finish in time: DMARC `temperror`
    /// (RFC 9989 §9.2: a transient failure to complete evaluation), with the forged fields found
    /// so far still marked for removal.
    public func unfinishedVerdict(reason: String) -> MessageVerdict {
        var dmarc = DMARCOutcome(result: .temperror)
        dmarc.reason = reason
        return MessageVerdict(authservID: settings.authservID, spf: nil, dkim: [],
                              arc: ARCResult(status: .none, reason: "not checked"), dmarc: dmarc,
                              forgedAuthenticationResults: forgedResultFields)
    }
}

extension MessageAuthenticator {
    /// The SPF result a trusted host reported in an Authentication-Results field, for DMARC
    /// (RFC 8601 §2.7.2: `smtp.mailfrom`, or `smtp.helo` for a null reverse-path). Fields that do
    /// not parse, or come from other hosts, are ignored.
    static func trustedSPF(in value: String, from trusted: Set<String>) -> DMARCInput.SPF? {
        guard let header = try? AuthenticationResultsParser.parse(value),
              trusted.contains(where: { $0.caseInsensitiveCompare(header.authservID) == .orderedSame }),
              let spf = header.results.first(where: { $0.method == "spf" }),
              let result = DMARCAuthResult(rawValue: spf.result)
        else { return nil }
        for property in spf.properties where property.ptype == "smtp" {
            let domain = String(property.value.split(separator: "@").last ?? "")
            guard !domain.isEmpty else { continue }
            switch property.name.lowercased() {
            case "mailfrom": return DMARCInput.SPF(result: result, domain: domain, scope: .mailFrom)
            case "helo": return DMARCInput.SPF(result: result, domain: domain, scope: .helo)
            default: continue
            }
        }
        return nil
    }
}

extension MessageAuthenticator {
    /// The trusted sealer whose ARC-Authentication-Results recorded a DMARC pass for this
    /// message's Author Domain, when DMARC failed here and the chain passed (RFC 8617 §7.2: a
    /// receiver may use a validated chain from a sealer it trusts to override a DMARC failure
    /// caused by an intermediary). A chain that does not pass vouches for nothing (§5.2).
    static func trustedSealerVouching(for dmarc: DMARCOutcome, arc: ARCResult, trusted: Set<String>) -> String? {
        guard dmarc.result == .fail, arc.status == .pass, let author = dmarc.authorDomain, !trusted.isEmpty else {
            return nil
        }
        // Newest first: the hop closest to us is the one that changed the message.
        for set in arc.sets.reversed() where trusted.contains(set.sealerDomain.lowercased()) {
            guard let results = try? AuthenticationResultsParser.parse(set.authenticationResults) else { continue }
            let vouches = results.results.contains { result in
                result.method == "dmarc" && result.result == "pass" && result.properties.contains {
                    $0.ptype == "header" && $0.name.lowercased() == "from" && $0.value.lowercased() == author
                }
            }
            if vouches { return set.sealerDomain.lowercased() }
        }
        return nil
    }
}

extension DMARCInput.SPF {
    /// SPF's outcome as DMARC uses it: for the null reverse-path the HELO domain was checked
    /// (RFC 7208 §2.4, RFC 9989 §3.2.4).
    init(outcome: SPFOutcome, nullSender: Bool) {
        self.init(result: DMARCAuthResult(rawValue: outcome.result.rawValue) ?? .permerror,
                  domain: outcome.domain, scope: nullSender ? .helo : .mailFrom)
    }
}

extension DMARCInput.DKIM {
    /// A signature's result as DMARC uses it; one whose `d=` could not be read cannot align with
    /// anything and is left out.
    init?(result: DKIMResult) {
        guard let domain = result.domain else { return nil }
        self.init(result: DMARCAuthResult(rawValue: result.status.rawValue) ?? .permerror,
                  domain: domain, selector: result.selector)
    }
}
