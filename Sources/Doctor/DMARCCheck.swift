import Auth
import DNS
import Reporter

/// The DMARC Policy Record of one domain (RFC 9989): is there exactly one, what its problems
/// are, what its policies ask, the tags RFC 9989 removed, and whether its report destinations
/// have authorized the reports (RFC 9990 §4).
struct DMARCCheck {
    let resolver: any DNSResolver
    let domain: String

    func run() async -> [Finding] {
        let name = "_dmarc.\(domain)"
        let texts: [String]
        do throws(DNSError) {
            texts = try await resolver.txt(name).records.map(\.text)
        } catch {
            if error.isTemporary {
                return [finding(.error, "dmarc.dns", "the TXT records at \(name) could not be read: \(error)",
                                why: "Receivers get temperror for DMARC and apply no policy (RFC 9989 §4.10).")]
            }
            texts = []
        }
        // RFC 9989 §4.10 step 2: records that do not start with v=DMARC1 are discarded.
        var records: [DMARCRecord] = []
        var findings: [Finding] = []
        for text in texts {
            do {
                records.append(try DMARCRecord(parsing: text))
            } catch {
                if text.lowercased().hasPrefix("v=dmarc") {
                    findings.append(finding(.error, "dmarc.syntax", "a record at \(name) is not a DMARC record: \(error)",
                                            why: "Receivers discard it (RFC 9989 §4.7).",
                                            fix: TXTRecordLine.line(name: name, text: "v=DMARC1; p=none; rua=mailto:postmaster@\(domain)")))
                }
            }
        }
        switch records.count {
        case 0:
            return findings + (findings.isEmpty ? await inherited() : [])
        case 1:
            return findings + (await review(records[0]))
        default:
            return findings + [finding(
                .error, "dmarc.records", "\(records.count) DMARC records at \(name)",
                why: "Receivers discard them all, so \(domain) has no DMARC policy at all (RFC 9989 §4.10 step 2).",
                fix: "Keep one of them and delete the others, e.g. only: " + TXTRecordLine.line(name: name, text: records[0].text))]
        }
    }

    /// No record of its own: the domain may still be covered by its Organizational Domain's
    /// record, which the DNS Tree Walk finds (RFC 9989 §4.10.1).
    private func inherited() async -> [Finding] {
        let outcome = await DMARCEvaluator(resolver: resolver).evaluate(DMARCInput(fromFields: ["postmaster@\(domain)"]))
        if let policyDomain = outcome.policyDomain, let record = outcome.record {
            // RFC 9989 §4.7: sp applies to subdomains, p when there is no sp.
            let applied = record.subdomainPolicy.map { "sp=\($0)" } ?? record.policy.map { "p=\($0)" } ?? "no policy"
            return [finding(.ok, "dmarc.record", "no record of its own; the record of \(policyDomain) applies (\(applied))")]
        }
        return [finding(.error, "dmarc.record", "no DMARC record at _dmarc.\(domain)",
                        why: "Receivers apply no policy to mail claiming to be from \(domain), and send no reports (RFC 9989 §5.3.2).",
                        fix: TXTRecordLine.line(name: "_dmarc.\(domain)", text: "v=DMARC1; p=none; rua=mailto:postmaster@\(domain)"))]
    }

    private func review(_ record: DMARCRecord) async -> [Finding] {
        let name = "_dmarc.\(domain)"
        var findings = [finding(.ok, "dmarc.record", "DMARC record: \(record.text)")]
        for problem in record.problems where problem.tag != "pct" {
            let isPolicy = ["p", "sp", "np"].contains(problem.tag)
            findings.append(finding(isPolicy ? .error : .warn, "dmarc.syntax", "\(problem)",
                                    why: "Receivers ignore the value and use the default (RFC 9989 §4.8)."))
        }
        findings += policies(record, name: name)
        if let percent = record.percent {
            let replacement = percent == 0 ? DMARCRecordText.replacing(record.text, tag: "pct", with: "t=y")
                                           : DMARCRecordText.removing(record.text, tag: "pct")
            findings.append(finding(
                .warn, "dmarc.pct", "pct=\(percent) is left in the record",
                why: percent == 0
                    ? "RFC 9989 removed pct (Appendix C.5.2); pct=0 is read as t=y, which says it directly (Appendix A.6)."
                    : "RFC 9989 removed pct (Appendix C.5.2): receivers following it ignore pct=\(percent) and apply the policy to all mail (Appendix A.6).",
                fix: TXTRecordLine.line(name: name, text: replacement)))
        }
        if record.isTesting {
            findings.append(finding(
                .warn, "dmarc.testing", "t=y: the policy is in test mode",
                why: "Receivers apply one level less than the policy asks: reject becomes quarantine, quarantine none (RFC 9989 §4.7).",
                fix: TXTRecordLine.line(name: name, text: DMARCRecordText.removing(record.text, tag: "t"))))
        }
        findings.append(alignment(record))
        findings += await destinations(record, kind: .aggregate)
        findings += await destinations(record, kind: .failure)
        return findings
    }

    /// `p`, `sp`, `np` (RFC 9989 §4.7) and `p=none` without anyone reading the reports.
    private func policies(_ record: DMARCRecord, name: String) -> [Finding] {
        guard let policy = record.policy else {
            guard !record.hasPolicyTag else { return [] }
            return [finding(.warn, "dmarc.policy", "the record has no p tag",
                            why: "Receivers treat it as p=none (RFC 9989 §4.7, §4.10.1).",
                            fix: TXTRecordLine.line(name: name, text: DMARCRecordText.adding(record.text, tag: "p=none")))]
        }
        var findings: [Finding] = []
        let subdomains = record.subdomainPolicy ?? policy
        let nonExistent = record.nonExistentSubdomainPolicy ?? subdomains
        let summary = "p=\(policy), subdomains \(subdomains), non-existent subdomains \(nonExistent)"
        if policy == .none && record.aggregateReportURIs.isEmpty {
            findings.append(finding(
                .warn, "dmarc.reports", "p=none and no rua: the record does nothing anyone sees",
                why: "p=none asks receivers for no action; without rua no aggregate reports come back to show who sends as \(domain) (RFC 9989 §4.7).",
                fix: TXTRecordLine.line(name: name, text: DMARCRecordText.adding(record.text, tag: "rua=mailto:postmaster@\(domain)"))))
        } else if policy == .none {
            findings.append(finding(.ok, "dmarc.policy", "\(summary): monitoring only, reports come back"))
        } else {
            findings.append(finding(.ok, "dmarc.policy", summary))
        }
        if subdomains < policy {
            findings.append(finding(
                .warn, "dmarc.subdomain-policy", "sp=\(subdomains) is weaker than p=\(policy)",
                why: "Mail from made-up subdomains of \(domain) gets the weaker treatment (RFC 9989 §4.7 sp).",
                fix: TXTRecordLine.line(name: name, text: DMARCRecordText.replacing(record.text, tag: "sp", with: "sp=\(policy)"))))
        }
        if nonExistent < subdomains {
            findings.append(finding(
                .warn, "dmarc.nonexistent-policy", "np=\(nonExistent) is weaker than the policy for existing subdomains",
                why: "Names that do not exist never send mail; np should be at least as strict (RFC 9989 §4.7 np).",
                fix: TXTRecordLine.line(name: name, text: DMARCRecordText.replacing(record.text, tag: "np", with: "np=reject"))))
        }
        return findings
    }

    /// RFC 9989 §4.4: strict alignment is a choice worth seeing, not an error.
    private func alignment(_ record: DMARCRecord) -> Finding {
        let text = "DKIM alignment \(record.dkimAlignment), SPF alignment \(record.spfAlignment)"
        guard record.dkimAlignment == .strict || record.spfAlignment == .strict else {
            return finding(.ok, "dmarc.alignment", text)
        }
        return finding(.ok, "dmarc.alignment",
                       text + ": mail signed by or sent from a subdomain of \(domain) does not align (RFC 9989 §4.4.1, §4.4.2)")
    }

    /// RFC 9990 §4 (and RFC 9991 §5 for ruf): a destination outside the domain's Organizational
    /// Domain gets reports only when it publishes `<domain>._report._dmarc.<its domain>`.
    private func destinations(_ record: DMARCRecord, kind: ReportDestinationChecker.ReportKind) async -> [Finding] {
        let uris = kind == .aggregate ? record.aggregateReportURIs : record.failureReportURIs
        guard !uris.isEmpty else { return [] }
        let tag = kind == .aggregate ? "rua" : "ruf"
        let checker = ReportDestinationChecker(resolver: resolver, organizationalDomains: DMARCEvaluator(resolver: resolver))
        var findings: [Finding] = []
        for destination in await checker.destinations(policyDomain: domain, uris: uris, messageSize: 0, kind: kind) {
            let check = "dmarc.\(tag)"
            switch destination.decision {
            case .accepted(let address):
                findings.append(finding(.ok, check, "\(tag) \(destination.uri): reports go to \(address)"))
            case .skipped(.notAuthorized(let why)):
                let host = destination.uri.mailtoAddress.flatMap(ReportDestinationChecker.host(of:)) ?? "the destination"
                findings.append(finding(
                    .error, check, "\(tag) \(destination.uri) is at another domain that has not authorized the reports",
                    why: "Receivers send no reports there: \(why) (RFC 9990 §4).",
                    fix: "Publish at \(host) (its owner must): "
                        + TXTRecordLine.line(name: "\(domain)._report._dmarc.\(host)", text: "v=DMARC1")))
            case .skipped(let reason):
                findings.append(finding(.warn, check, "\(tag) \(destination.uri): \(reason)",
                                        why: "Receivers like dmarcd send no reports to this URI (RFC 9990 §3.5)."))
            case .retryLater(let reason):
                findings.append(finding(.warn, check, "\(tag) \(destination.uri) could not be checked: \(reason)"))
            }
        }
        return findings
    }

    private func finding(_ level: Finding.Level, _ check: String, _ summary: String, why: String? = nil,
                         fix: String? = nil) -> Finding {
        Finding(level, check, domain: domain, summary: summary, why: why, fix: fix)
    }
}
