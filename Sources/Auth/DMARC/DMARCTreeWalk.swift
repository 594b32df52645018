/// The DNS Tree Walk of RFC 9989 §4.10 and the choice of an Organizational Domain from what it
/// found (§4.10.2).
enum DMARCTreeWalk {
    /// RFC 9989 §4.10: "Author Domains with more than eight labels do not result in more than
    /// eight DNS queries."
    static let maximumQueries = 8

    /// A DMARC Policy Record found during a walk.
    struct Finding: Sendable, Hashable {
        var domain: String
        var record: DMARCRecord
    }

    /// The domains whose `_dmarc` names a walk from `domain` queries, in order (§4.10 steps 1, 3,
    /// 4 and 7): the domain itself; then, for a name of eight or more labels, its last seven
    /// labels, otherwise its parent; then one label less each time down to the top-level domain.
    static func targets(from domain: String) -> [String] {
        let labels = DMARCDomainName.labels(of: domain)
        var targets = [domain]
        var count = labels.count >= maximumQueries ? maximumQueries - 1 : labels.count - 1
        while count >= 1 {
            targets.append(labels.suffix(count).joined(separator: "."))
            count -= 1
        }
        return targets
    }

    /// Walks up from `domain`, stopping after a record with `psd=y` or `psd=n` (§4.10 steps 2
    /// and 6); the records found, longest name first.
    static func walk(from domain: String, lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure) -> [Finding] {
        var findings: [Finding] = []
        for target in targets(from: domain) {
            guard case .record(let record) = try await lookup.answer(at: target) else { continue }
            findings.append(Finding(domain: target, record: record))
            if record.publicSuffix != .unknown { break }
        }
        return findings
    }

    /// §4.10.2: the Organizational Domain of `start`, from the findings of a walk from it.
    ///
    /// From the longest name to the shortest: a record with `psd=n` makes its domain the
    /// Organizational Domain; one with `psd=y`, other than at `start`, makes it the name one label
    /// below; otherwise the record with the fewest labels decides; with no record at all, `start`
    /// is its own Organizational Domain.
    static func organizationalDomain(of start: String, findings: [Finding]) -> String {
        for finding in findings {
            switch finding.record.publicSuffix {
            case .no:
                return finding.domain
            case .yes where finding.domain != start:
                let labels = DMARCDomainName.labels(of: finding.domain).count
                return DMARCDomainName.suffix(of: start, labels: labels + 1)
            default:
                continue
            }
        }
        return findings.last?.domain ?? start
    }

    /// §4.10.1: the record that applies to mail from `authorDomain`, which has no record of its
    /// own, among the findings of a walk from it: the Organizational Domain's record, or failing
    /// that the PSD's (the `psd=y` record that ended the walk). Records at names between the
    /// Author Domain and its Organizational Domain are not used.
    static func policyFinding(for authorDomain: String,
                              findings: [Finding]) -> (finding: Finding, organizationalDomain: String)? {
        guard let last = findings.last else { return nil }
        let organizationalDomain = organizationalDomain(of: authorDomain, findings: findings)
        // When the Organizational Domain has no record of its own, the walk ended at a psd=y record.
        let finding = findings.first { $0.domain == organizationalDomain } ?? last
        return (finding, organizationalDomain)
    }
}
