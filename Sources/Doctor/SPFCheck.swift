import Auth
import DNS

/// The SPF record of one domain (RFC 7208): is there exactly one, does it parse, how many DNS
/// lookups and void lookups its whole tree of includes takes, what its `all` says, and whether
/// it covers the site's own addresses.
struct SPFCheck {
    let resolver: any DNSResolver
    let domain: String
    /// The addresses the site sends from; each must pass.
    let publicIPs: [IPAddress]

    /// An address that no record covers, so that evaluating it walks every term: IPv4's limited
    /// broadcast address never sends mail.
    static let uncoveredAddress = IPAddress("255.255.255.255")!

    func run() async -> [Finding] {
        let texts: [String]
        do throws(DNSError) {
            // RFC 7208 §4.5: of the TXT records, those starting with "v=spf1" are SPF records.
            texts = try await resolver.txt(domain).records.filter { SPFRecord.isSPFRecord($0.bytes) }.map(\.text)
        } catch {
            if error.isTemporary {
                return [finding(.error, "spf.dns", "the TXT records of \(domain) could not be read: \(error)",
                                why: "Receivers get temperror for SPF and defer or accept mail unchecked (RFC 7208 §4.4).")]
            }
            texts = []
        }
        guard let text = texts.first else { return [missing()] }
        guard texts.count == 1 else {
            return [finding(.error, "spf.records", "\(texts.count) SPF records at \(domain)",
                            why: "With more than one v=spf1 record every check is permerror (RFC 7208 §3.2, §4.5).",
                            fix: "Merge them into one record and delete the others.")]
        }
        let record: SPFRecord
        do {
            record = try SPFRecord(parsing: text)
        } catch {
            return [finding(.error, "spf.syntax", "the SPF record does not parse: \(error)",
                            why: "A record with a syntax error gives permerror for every message (RFC 7208 §4.6).",
                            fix: "Correct the record: \(text)")]
        }
        var findings = [finding(.ok, "spf.record", "SPF record: \(text)")]
        findings += await lookups()
        findings += allTerm(record, text: text)
        findings += await coverage(text: text)
        return findings
    }

    private func missing() -> Finding {
        let addresses = publicIPs.map { ($0.isIPv4 ? "ip4:" : "ip6:") + "\($0)" }
        let proposal = (["v=spf1"] + (addresses.isEmpty ? ["mx"] : addresses) + ["-all"]).joined(separator: " ")
        return finding(.error, "spf.record", "no SPF record at \(domain)",
                       why: "Without one, receivers get SPF none and DMARC can pass only through DKIM (RFC 7208 §2.6.1).",
                       fix: TXTRecordLine.line(name: domain, text: proposal))
    }

    /// RFC 7208 §4.6.4: at most 10 DNS-querying terms and 2 void lookups over the whole
    /// evaluation. The evaluator runs with both limits out of the way so that it counts past them.
    private func lookups() async -> [Finding] {
        var limits = SPFEvaluator.Limits()
        let (termLimit, voidLimit) = (limits.dnsTerms, limits.voidLookups)
        limits.dnsTerms = 1000
        limits.voidLookups = 1000
        let census = await SPFEvaluator(resolver: resolver, limits: limits)
            .census(domain: domain, clientIP: Self.uncoveredAddress)
        var findings: [Finding] = []
        switch census.outcome.result {
        case .permerror, .temperror:
            findings.append(finding(census.outcome.result == .permerror ? .error : .warn, "spf.evaluation",
                                    "evaluating the record gives \(census.outcome.result): \(census.outcome.reason ?? "")",
                                    why: "Receivers get the same result for every message (RFC 7208 §2.6.6, §2.6.7)."))
        default:
            break
        }
        if census.dnsTerms > termLimit {
            findings.append(finding(
                .error, "spf.lookups", "\(census.dnsTerms) DNS lookups, over the limit of \(termLimit)",
                why: "Every check of mail from \(domain) stops at the \(termLimit + 1)th include, a, mx, ptr, exists or redirect with permerror (RFC 7208 §4.6.4).",
                fix: "Replace include: terms by the ip4:/ip6: ranges they publish, or drop the ones no longer used, until at most \(termLimit) remain counted over all includes."))
        } else {
            findings.append(finding(.ok, "spf.lookups", "\(census.dnsTerms) DNS lookups (limit \(termLimit))"))
        }
        if census.voidLookups > voidLimit {
            findings.append(finding(
                .error, "spf.void-lookups", "\(census.voidLookups) lookups find no records, over the limit of \(voidLimit)",
                why: "A check stops with permerror at the \(voidLimit + 1)th name that does not exist or has no records (RFC 7208 §4.6.4).",
                fix: "Remove the a:, mx:, include: or exists: terms that name hosts without records."))
        } else if census.voidLookups > 0 {
            findings.append(finding(
                .warn, "spf.void-lookups", "\(census.voidLookups) lookups find no records (limit \(voidLimit))",
                why: "Names without records cost lookups and count towards the limit of \(voidLimit) (RFC 7208 §4.6.4).",
                fix: "Remove the terms that name hosts without records."))
        }
        return findings
    }

    /// RFC 7208 §5.1: what the record says of everyone else.
    private func allTerm(_ record: SPFRecord, text: String) -> [Finding] {
        guard let all = record.directives.first(where: { $0.mechanism == .all }) else {
            if record.redirect != nil { return [] }
            return [finding(.warn, "spf.all", "the record ends without an all term",
                            why: "Senders no term matches get neutral, which tells receivers nothing (RFC 7208 §4.7).",
                            fix: TXTRecordLine.line(name: domain, text: text + " -all"))]
        }
        // Term by term, so that "all" inside another term's domain stays as it is.
        let terms = text.split(separator: " ").map { $0 == all.text ? "-all" : String($0) }
        let fixed = TXTRecordLine.line(name: domain, text: terms.joined(separator: " "))
        switch all.qualifier {
        case .pass:
            return [finding(.error, "spf.all", "\(all.text) lets every host on the Internet pass SPF for \(domain)",
                            why: "Anyone can send mail that passes SPF and so DMARC for \(domain) (RFC 7208 §5.1).",
                            fix: fixed)]
        case .neutral:
            return [finding(.warn, "spf.all", "?all makes mail from any other host neutral",
                            why: "Neutral is treated like none: SPF protects nothing (RFC 7208 §2.6.2).",
                            fix: fixed)]
        case .softfail, .fail:
            return [finding(.ok, "spf.all", "\(all.text): other hosts \(all.qualifier == .fail ? "fail" : "softfail")")]
        }
    }

    /// Each of the site's addresses must pass, or its own mail fails SPF.
    private func coverage(text: String) async -> [Finding] {
        let evaluator = SPFEvaluator(resolver: resolver)
        var findings: [Finding] = []
        for address in publicIPs {
            let outcome = await evaluator.checkMailFrom("postmaster@\(domain)", helo: domain, clientIP: address)
            if outcome.result == .pass {
                findings.append(finding(.ok, "spf.ip", "\(address) passes (\(outcome.mechanism ?? "matched"))"))
                continue
            }
            let term = (address.isIPv4 ? "ip4:" : "ip6:") + "\(address)"
            var terms = text.split(separator: " ").map(String.init)
            terms.insert(term, at: 1)
            findings.append(finding(
                .error, "spf.ip", "\(address), an address of this site, gets \(outcome.result)",
                why: "Mail this site sends from \(address) fails SPF, and DMARC unless DKIM passes (RFC 7208 §2.6).",
                fix: TXTRecordLine.line(name: domain, text: terms.joined(separator: " "))))
        }
        return findings
    }

    private func finding(_ level: Finding.Level, _ check: String, _ summary: String, why: String? = nil,
                         fix: String? = nil) -> Finding {
        Finding(level, check, domain: domain, summary: summary, why: why, fix: fix)
    }
}
