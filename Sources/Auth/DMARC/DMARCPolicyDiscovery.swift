/// Finds the DMARC Policy Record that applies to an Author Domain, by RFC 9989 §4.10.1 or, in
/// RFC 7489 mode, by RFC 7489 §6.6.3.
enum DMARCPolicyDiscovery {
    /// The record that applies and where it was found.
    struct Policy: Sendable, Hashable {
        var record: DMARCRecord
        /// The DMARC Policy Domain.
        var domain: String
        /// The Author Domain's Organizational Domain, when discovery determined it.
        var organizationalDomain: String?
    }

    enum Discovery: Sendable, Hashable {
        case found(Policy)
        /// No record applies: DMARC does not apply to the message (RFC 9989 §5.3.2). The text
        /// says what was looked at.
        case notFound(String)
    }

    static func discover(authorDomain: String, mode: DMARCEvaluator.Mode,
                         lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure) -> Discovery {
        switch mode {
        case .rfc9989:
            try await treeWalk(authorDomain: authorDomain, lookup: &lookup)
        case .rfc7489(let publicSuffixList):
            try await organizationalDomainQuery(authorDomain: authorDomain, publicSuffixList: publicSuffixList,
                                                lookup: &lookup)
        }
    }

    /// RFC 9989 §4.10.1: the Author Domain's own record, else a Tree Walk from its parent for the
    /// Organizational Domain's or the PSD's record.
    private static func treeWalk(authorDomain: String,
                                 lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure) -> Discovery {
        if case .record(let record) = try await lookup.answer(at: authorDomain) {
            // "this does not necessarily mean that the Author Domain is the Organizational Domain"
            return .found(Policy(record: record, domain: authorDomain,
                                 organizationalDomain: record.publicSuffix == .unknown ? nil : authorDomain))
        }
        // The walk's first target is the Author Domain, already asked, so the lookup answers it
        // from memory and the walk goes on from the parent as §4.10.1 says.
        let findings = try await DMARCTreeWalk.walk(from: authorDomain, lookup: &lookup)
        guard let (finding, organizationalDomain) = DMARCTreeWalk.policyFinding(for: authorDomain, findings: findings) else {
            let targets = DMARCTreeWalk.targets(from: authorDomain)
            let names = targets.map { "_dmarc." + $0 }.joined(separator: ", ")
            return .notFound("no DMARC policy record for \(authorDomain) (looked at \(names))"
                             + discarded(in: lookup, names: targets))
        }
        return .found(Policy(record: finding.record, domain: finding.domain, organizationalDomain: organizationalDomain))
    }

    /// RFC 7489 §6.6.3: the Author Domain's record, else the record of its Organizational
    /// Domain from the Public Suffix List; several records at the name asked end discovery.
    private static func organizationalDomainQuery(authorDomain: String, publicSuffixList: PublicSuffixList,
                                                  lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure)
        -> Discovery {
        let organizationalDomain = publicSuffixList.organizationalDomain(of: authorDomain)
        switch try await lookup.answer(at: authorDomain) {
        case .record(let record):
            return .found(Policy(record: record, domain: authorDomain, organizationalDomain: organizationalDomain))
        case .several(let count):
            return .notFound("\(count) DMARC records at _dmarc.\(authorDomain) are discarded (RFC 7489 §6.6.3)")
        case .absent:
            break
        }
        guard organizationalDomain != authorDomain else {
            return .notFound("no DMARC policy record at _dmarc.\(authorDomain)")
        }
        switch try await lookup.answer(at: organizationalDomain) {
        case .record(let record):
            return .found(Policy(record: record, domain: organizationalDomain, organizationalDomain: organizationalDomain))
        case .several(let count):
            return .notFound("\(count) DMARC records at _dmarc.\(organizationalDomain) are discarded (RFC 7489 §6.6.3)")
        case .absent:
            return .notFound("no DMARC policy record at _dmarc.\(authorDomain) or _dmarc.\(organizationalDomain)")
        }
    }

    /// "; 2 DMARC records at _dmarc.example.com are discarded (RFC 9989 §4.10)" for each name of
    /// `names` that had several records, or "".
    private static func discarded(in lookup: DMARCRecordLookup, names: [String]) -> String {
        names.compactMap { name -> String? in
            guard case .several(let count) = lookup.cachedAnswer(at: name) else { return nil }
            return "; \(count) DMARC records at _dmarc.\(name) are discarded (RFC 9989 §4.10)"
        }.joined()
    }
}
