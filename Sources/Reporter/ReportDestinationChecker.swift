import Auth
import DNS

/// Decides which of a policy record's `rua` URIs get a report: `mailto:` only, at most
/// ``Settings/destinationsPerDomain`` of them, none on the exclusion list, none whose size limit
/// the message exceeds, and external destinations only when they confirm it in the DNS
/// (RFC 9990 §4).
public struct ReportDestinationChecker: Sendable {
    /// The receiver's limits and exclusions.
    public struct Settings: Sendable, Hashable {
        /// How many supported URIs of one policy record get the report (RFC 9990 §3.5 allows a
        /// limit); a record asking for more is most likely sending reports to someone else.
        public var destinationsPerDomain: Int
        /// Addresses and domains that never get reports.
        public var exclusions: ReportExclusionList

        public init(destinationsPerDomain: Int = 2, exclusions: ReportExclusionList = ReportExclusionList()) {
            self.destinationsPerDomain = destinationsPerDomain
            self.exclusions = exclusions
        }
    }

    private let resolver: any DNSResolver
    private let organizationalDomains: DMARCEvaluator
    private let settings: Settings

    /// A checker asking `resolver` for `_report._dmarc` records; `organizationalDomains` decides
    /// Organizational Domains the way the milter's evaluation does.
    public init(resolver: any DNSResolver, organizationalDomains: DMARCEvaluator, settings: Settings = Settings()) {
        self.resolver = resolver
        self.organizationalDomains = organizationalDomains
        self.settings = settings
    }

    /// Which kind of report the URIs are for, and so which tag of a destination's
    /// `_report._dmarc` record may name another address.
    public enum ReportKind: Sendable, Hashable {
        /// `rua` (RFC 9990 §4).
        case aggregate
        /// `ruf`: RFC 9991 §5 runs the RFC 9990 §4 procedure with ruf in place of rua.
        case failure

        func uris(in record: DMARCRecord) -> [DMARCReportURI] {
            self == .aggregate ? record.aggregateReportURIs : record.failureReportURIs
        }
    }

    /// The decision for each URI of `uris`, in published order (RFC 9990 §3.5), for a report
    /// about `policyDomain` (the domain whose `_dmarc` record held the URIs) whose complete
    /// message has `messageSize` bytes.
    ///
    /// The size limit is the obsolete `!size` suffix; RFC 9989 §4.8 lets reporters ignore it,
    /// but a destination that published one has said larger mail will bounce, so such a report
    /// is skipped for that URI alone and the other destinations still get it.
    public func destinations(policyDomain: String, uris: [DMARCReportURI], messageSize: Int,
                             kind: ReportKind = .aggregate) async -> [ReportDestination] {
        var results: [ReportDestination] = []
        var supported = 0
        var policyOrganizationalDomain: Result<String, DMARCLookupFailure>?
        for uri in uris {
            guard uri.scheme == "mailto" else {
                results.append(ReportDestination(uri: uri, decision: .skipped(.unsupportedScheme(uri.scheme))))
                continue
            }
            guard let address = uri.mailtoAddress, Self.isUsable(address), let host = Self.host(of: address) else {
                results.append(ReportDestination(uri: uri, decision: .skipped(.malformedAddress)))
                continue
            }
            supported += 1
            guard supported <= settings.destinationsPerDomain else {
                results.append(ReportDestination(uri: uri, decision: .skipped(.beyondLimit(settings.destinationsPerDomain))))
                continue
            }
            if policyOrganizationalDomain == nil {
                policyOrganizationalDomain = await organizationalDomain(of: policyDomain)
            }
            let decision = await decide(address: address, host: host, limit: uri.maximumSize, policyDomain: policyDomain,
                                        policyOrganizationalDomain: policyOrganizationalDomain!, messageSize: messageSize,
                                        kind: kind)
            results.append(ReportDestination(uri: uri, decision: decision))
        }
        return results
    }

    private func decide(address: String, host: String, limit: UInt64?, policyDomain: String,
                        policyOrganizationalDomain: Result<String, DMARCLookupFailure>,
                        messageSize: Int, kind: ReportKind) async -> ReportDestination.Decision {
        if let skip = check(address: address, limit: limit, messageSize: messageSize) { return .skipped(skip) }
        let sameOrganization: Bool
        switch (policyOrganizationalDomain, await organizationalDomain(of: host)) {
        case (.success(let policyOrganization), .success(let destinationOrganization)):
            sameOrganization = policyOrganization == destinationOrganization
        case (.failure(.temporary(_, let error)), _), (_, .failure(.temporary(_, let error))):
            return .retryLater(reason: "Organizational Domain not found: \(error)")
        default:
            // Without both Organizational Domains the destination can only be confirmed in the DNS.
            sameOrganization = false
        }
        if sameOrganization { return .accepted(address: address) }
        return await verifyExternal(address: address, host: host, limit: limit, policyDomain: policyDomain,
                                    messageSize: messageSize, kind: kind)
    }

    /// The exclusion list and the size limit, which apply to the published address and to any
    /// override alike.
    private func check(address: String, limit: UInt64?, messageSize: Int) -> ReportDestination.SkipReason? {
        if settings.exclusions.excludes(address) { return .excluded }
        if let limit, UInt64(messageSize) > limit { return .tooLarge(messageSize: messageSize, limit: limit) }
        return nil
    }

    /// RFC 9990 §4 steps 1-9 for a destination outside the policy's Organizational Domain.
    private func verifyExternal(address: String, host: String, limit: UInt64?, policyDomain: String,
                                messageSize: Int, kind: ReportKind) async -> ReportDestination.Decision {
        // Step 3: the policy domain as an A-label; step 4: a name over DNS limits cannot confirm.
        guard let policyName = DMARCDomainName.normalized(policyDomain),
            let name = DMARCDomainName.normalized("\(policyName)._report._dmarc.\(host)")
        else {
            return .skipped(.notAuthorized("the name \(policyDomain)._report._dmarc.\(host) is too long for the DNS"))
        }
        let records: [DMARCRecord]
        do throws(DNSError) {
            // Step 6: only records starting with v=DMARC1 count.
            records = try await resolver.txt(name).records.compactMap { try? DMARCRecord(parsing: $0.text) }
        } catch {
            if error.isTemporary { return .retryLater(reason: "TXT query for \(name): \(error)") }
            return .skipped(.notAuthorized("no DMARC record at \(name) (\(error))"))
        }
        // Step 7.
        guard let record = records.first else {
            return .skipped(.notAuthorized("no TXT record starting with v=DMARC1 at \(name)"))
        }
        // Step 9: an override must keep the destination host; one naming another host voids both.
        guard let override = kind.uris(in: record).first else { return .accepted(address: address) }
        guard override.scheme == "mailto", let overrideAddress = override.mailtoAddress, Self.isUsable(overrideAddress),
            Self.host(of: overrideAddress) == host
        else {
            return .skipped(.notAuthorized("\(name) redirects reports to \(override), not to a mailto: address at \(host)"))
        }
        if let skip = check(address: overrideAddress, limit: override.maximumSize ?? limit, messageSize: messageSize) {
            return .skipped(skip)
        }
        return .accepted(address: overrideAddress)
    }

    private func organizationalDomain(of domain: String) async -> Result<String, DMARCLookupFailure> {
        do throws(DMARCLookupFailure) {
            return .success(try await organizationalDomains.organizationalDomain(of: domain))
        } catch {
            return .failure(error)
        }
    }

    /// True when a percent-decoded address can go into an envelope and a header field as it is:
    /// printable ASCII without spaces or angle brackets, something before the last `@`.
    /// Internationalized local parts (RFC 6531) are not sent to.
    static func isUsable(_ address: String) -> Bool {
        guard let at = address.utf8.lastIndex(of: UInt8(ascii: "@")), at != address.utf8.startIndex else { return false }
        return address.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }

    /// The domain of `local@domain` as a lower-case A-label, or nil when there is none.
    public static func host(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@"), at != address.startIndex else { return nil }
        return DMARCDomainName.normalized(address[address.index(after: at)...])
    }
}
