import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// Stalwart's mail-auth parses its `dmarc-feedback` samples into JSON (SOURCES.md §4); what
/// dmarcd stores from the same file must say the same, field by field.
///
/// Where the two differ by design, the comparison says so: stalwart fills in what a report
/// leaves out (`sp` and `np` "None", `testing` false, an empty `envelope_from` or selector,
/// version 0.0), where dmarcd keeps "not reported" (nil). The JSON's enum names (`Pass`,
/// `MailFrom`, `TrustedForwarder`, `Unspecified`) are mapped to RFC 9990's values.
@Suite struct ReportIngestExpectedParseTests {
    static let samples = ["001.xml", "002.xml", "003.xml", "004.xml", "005.xml", "100.eml", "101.eml", "102.eml", "103.eml", "104.eml"]

    @Test(arguments: samples)
    func storedValuesMatchTheExpectedParse(_ file: String) throws {
        let folder = "stalwart-mail-auth/resources/dmarc-feedback/"
        let fixture = try IntakeFixture()
        let results = try fixture.intake.ingest(Array(try Fixtures.data(Fixtures.corpus(folder + file))), source: file)
        #expect(results.count == 1 && results.first?.storedReport != nil, "\(results)")
        let stored = try #require(try fixture.store.receivedReports().first?.report)
        let json = try JSONSerialization.jsonObject(with: try Fixtures.data(Fixtures.corpus(folder + file.prefix(3) + ".json")))
        let expected = try #require(json as? [String: Any])
        let differences = Self.differences(stored, expected)
        #expect(differences == Self.deliberateDifferences[file, default: []], "\(file):\n\(differences.joined(separator: "\n"))")
    }

    /// Where dmarcd stores something else on purpose.
    static let deliberateDifferences = [
        // RFC 7489's `sampled_out` is gone from RFC 9990 §3.1.6; dmarcd stores `other` and keeps
        // the old name in the comment, where stalwart drops it.
        "005.xml": ["record 1 reasons: stored other sampled_out: legacy sampling, expected other legacy sampling"],
    ]

    /// Every field where `stored` says something else than stalwart's `expected`.
    static func differences(_ stored: ReceivedReport, _ expected: [String: Any]) -> [String] {
        var differences: [String] = []
        func check(_ field: String, _ ours: String?, _ theirs: Any?) {
            let theirs = text(theirs)
            if ours != theirs { differences.append("\(field): stored \(ours ?? "nil"), expected \(theirs ?? "nil")") }
        }
        let metadata = expected["report_metadata"] as? [String: Any] ?? [:]
        let range = metadata["date_range"] as? [String: Any] ?? [:]
        let version = (expected["version"] as? Double).flatMap { $0 == 0 ? nil : String(format: "%.1f", $0) }
        check("version", stored.version, version)
        check("org_name", stored.orgName, metadata["org_name"])
        check("email", stored.email, metadata["email"])
        check("extra_contact_info", stored.extraContactInfo, metadata["extra_contact_info"])
        check("report_id", stored.reportID, metadata["report_id"])
        check("begin", String(stored.begin), range["begin"])
        check("end", String(stored.end), range["end"])
        check("generator", stored.generator, metadata["generator"])
        check("error", stored.error, (metadata["error"] as? [String]).flatMap { $0.isEmpty ? nil : $0.joined(separator: "\n") })
        let policy = expected["policy_published"] as? [String: Any] ?? [:]
        let published = stored.policyPublished
        check("policy domain", stored.policyDomain, policy["domain"])
        check("p", published.p?.rawValue, policy["p"])
        check("sp", published.sp?.rawValue ?? unreported(policy["sp"], "none"), policy["sp"])
        check("np", published.np?.rawValue ?? unreported(policy["np"], "none"), policy["np"])
        check("adkim", published.adkim?.rawValue, policy["adkim"])
        check("aspf", published.aspf?.rawValue, policy["aspf"])
        check("testing", (published.isTesting ?? false) ? "y" : "n", (policy["testing"] as? Bool ?? false) ? "y" : "n")
        check("fo", published.failureReportOptions, policy["fo"])
        check("discovery_method", published.discoveryMethod?.rawValue, policy["discovery_method"])
        let records = expected["record"] as? [[String: Any]] ?? []
        guard records.count == stored.records.count else {
            return differences + ["records: stored \(stored.records.count), expected \(records.count)"]
        }
        for (index, (ours, theirs)) in zip(stored.records, records).enumerated() {
            let field = { (name: String) in "record \(index + 1) \(name)" }
            let row = theirs["row"] as? [String: Any] ?? [:]
            let evaluated = row["policy_evaluated"] as? [String: Any] ?? [:]
            let identifiers = theirs["identifiers"] as? [String: Any] ?? [:]
            let auth = theirs["auth_results"] as? [String: Any] ?? [:]
            check(field("source_ip"), ours.sourceIP.description, row["source_ip"])
            check(field("count"), String(ours.count), row["count"])
            check(field("disposition"), ours.disposition.rawValue, evaluated["disposition"])
            check(field("dkim"), ours.dkimAligned ? "pass" : "fail", evaluated["dkim"])
            check(field("spf"), ours.spfAligned ? "pass" : "fail", evaluated["spf"])
            let reasons = evaluated["reason"] as? [[String: Any]] ?? []
            check(field("reasons"), ours.reasons.map { "\($0.type.rawValue) \($0.comment ?? "")" }.joined(separator: "; "),
                  reasons.map { "\(text($0["type_"]) ?? "") \(text($0["comment"]) ?? "")" }.joined(separator: "; "))
            check(field("header_from"), ours.headerFrom, identifiers["header_from"])
            check(field("envelope_from"), ours.envelopeFrom ?? unreported(identifiers["envelope_from"], ""), identifiers["envelope_from"])
            check(field("envelope_to"), ours.envelopeTo, identifiers["envelope_to"])
            let dkim = auth["dkim"] as? [[String: Any]] ?? []
            check(field("dkim results"), ours.dkim.map { "\($0.domain) \($0.selector ?? "") \($0.result) \($0.humanResult ?? "")" }.joined(separator: "; "),
                  dkim.map { "\(text($0["domain"]) ?? "") \(text($0["selector"]) ?? "") \(text($0["result"]) ?? "") \(text($0["human_result"]) ?? "")" }.joined(separator: "; "))
            let spf = auth["spf"] as? [[String: Any]] ?? []
            check(field("spf results"), ours.spf.map { "\($0.domain) \($0.scope ?? "") \($0.result) \($0.humanResult ?? "")" }.joined(separator: "; "),
                  spf.map { "\(text($0["domain"]) ?? "") \(text($0["scope"]) ?? "") \(text($0["result"]) ?? "") \(text($0["human_result"]) ?? "")" }.joined(separator: "; "))
        }
        return differences
    }

    /// What stalwart writes for an element the report left out, which dmarcd keeps as nil.
    static func unreported(_ theirs: Any?, _ filler: String) -> String? {
        text(theirs) == filler ? filler : nil
    }

    /// The JSON value as RFC 9990 text: enum names mapped, "Unspecified" and null as nil.
    static func text(_ value: Any?) -> String? {
        switch value {
        case let number as NSNumber: return number.stringValue
        case let string as String:
            let names = [
                "Unspecified": nil, "Relaxed": "r", "Strict": "s", "MailFrom": "mfrom", "Helo": "helo",
                "TrustedForwarder": "trusted_forwarder", "LocalPolicy": "local_policy", "MailingList": "mailing_list",
                "PolicyTestMode": "policy_test_mode", "SampledOut": "sampled_out", "Forwarded": "forwarded",
                "Other": "other", "Treewalk": "treewalk", "Psl": "psl", "TempError": "temperror", "PermError": "permerror",
                "SoftFail": "softfail", "None": "none", "Pass": "pass", "Fail": "fail", "Neutral": "neutral",
                "Policy": "policy", "Quarantine": "quarantine", "Reject": "reject",
            ] as [String: String?]
            if let mapped = names[string] { return mapped }
            return string
        default: return nil
        }
    }
}
