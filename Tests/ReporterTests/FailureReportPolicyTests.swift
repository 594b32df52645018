import Auth
import DNS
import Foundation
import Reporter
import Testing
import TestSupport

/// Which messages get failure reports and to which `ruf` URIs (RFC 9991 §2, §5; RFC 9989 §4.7).
@Suite struct FailureReportPolicyTests {
    /// A verdict whose SPF and DKIM results are given as (passed, aligned).
    static func verdict(record: String, spf: (pass: Bool, aligned: Bool)?, dkim: [(pass: Bool, aligned: Bool)])
        throws -> MessageVerdict {
        let parsed = try DMARCRecord(parsing: record)
        let alignedPass = (spf.map { $0.pass && $0.aligned } ?? false) || dkim.contains { $0.pass && $0.aligned }
        var dmarc = DMARCOutcome(result: alignedPass ? .pass : .fail, authorDomain: "example.com")
        dmarc.record = parsed
        dmarc.policyDomain = "example.com"
        if !alignedPass, let policy = parsed.policy {
            dmarc.appliedPolicy = DMARCAppliedPolicy(tag: .p, policy: policy)
            dmarc.disposition = policy
        }
        var spfOutcome: SPFOutcome?
        if let spf {
            dmarc.spf = DMARCIdentifierCheck(mechanism: .spf(.mailFrom), domain: spf.aligned ? "example.com" : "other.example",
                                             result: spf.pass ? .pass : .fail, mode: .relaxed,
                                             alignment: spf.pass && spf.aligned ? .strict : .notChecked)
            spfOutcome = SPFOutcome(result: spf.pass ? .pass : .fail, identity: .mailFrom,
                                    domain: spf.aligned ? "example.com" : "other.example", sender: "a@example.com",
                                    clientIP: IPAddress("192.0.2.1")!)
        }
        dmarc.dkim = dkim.map { signature in
            DMARCIdentifierCheck(mechanism: .dkim(selector: "s"), domain: signature.aligned ? "example.com" : "other.example",
                                 result: signature.pass ? .pass : .fail, mode: .relaxed,
                                 alignment: signature.pass && signature.aligned ? .strict : .notChecked)
        }
        let results = dkim.map { DKIMResult(status: $0.pass ? .pass : .fail, domain: $0.aligned ? "example.com" : "other.example") }
        return MessageVerdict(authservID: "mx", spf: spfOutcome, dkim: results, dmarc: dmarc, forgedAuthenticationResults: [])
    }

    static func reportsTo(_ decision: FailureReportPolicy.Decision) -> [String]? {
        guard case .report(_, let uris) = decision else { return nil }
        return uris.map(\.uri)
    }

    @Test("fo=0 (the default) reports only when no mechanism gave an aligned pass")
    func allFail() throws {
        let policy = FailureReportPolicy()
        let record = "v=DMARC1; p=reject; ruf=mailto:f@example.com"
        let failing = try Self.verdict(record: record, spf: (false, true), dkim: [(false, true)])
        #expect(Self.reportsTo(policy.decision(for: failing)) == ["mailto:f@example.com"])
        let spfOnly = try Self.verdict(record: record, spf: (true, true), dkim: [(false, true)])
        #expect(policy.decision(for: spfOnly) == .skip(.optionsNotMet))
    }

    @Test("fo=1 reports when any mechanism failed to give an aligned pass, even if DMARC passed")
    func anyFail() throws {
        let record = "v=DMARC1; p=reject; ruf=mailto:f@example.com; fo=1"
        let spfOnly = try Self.verdict(record: record, spf: (true, true), dkim: [(false, true)])
        #expect(Self.reportsTo(FailureReportPolicy().decision(for: spfOnly)) == ["mailto:f@example.com"])
        let both = try Self.verdict(record: record, spf: (true, true), dkim: [(true, true)])
        #expect(FailureReportPolicy().decision(for: both) == .skip(.optionsNotMet))
    }

    @Test("fo=d reports a failed DKIM signature whatever its alignment; fo=s an SPF failure whatever its alignment")
    func mechanismOptions() throws {
        let dkimRecord = "v=DMARC1; p=reject; ruf=mailto:f@example.com; fo=d"
        let unalignedDKIMFailure = try Self.verdict(record: dkimRecord, spf: (true, true), dkim: [(false, false)])
        #expect(Self.reportsTo(FailureReportPolicy().decision(for: unalignedDKIMFailure)) != nil)
        let dkimPassed = try Self.verdict(record: dkimRecord, spf: (false, false), dkim: [(true, true)])
        #expect(FailureReportPolicy().decision(for: dkimPassed) == .skip(.optionsNotMet))
        let spfRecord = "v=DMARC1; p=reject; ruf=mailto:f@example.com; fo=s"
        let unalignedSPFFailure = try Self.verdict(record: spfRecord, spf: (false, false), dkim: [(true, true)])
        #expect(Self.reportsTo(FailureReportPolicy().decision(for: unalignedSPFFailure)) != nil)
        let spfPassed = try Self.verdict(record: spfRecord, spf: (true, false), dkim: [(false, true)])
        #expect(FailureReportPolicy().decision(for: spfPassed) == .skip(.optionsNotMet))
    }

    @Test("p=none gets reports only with FailureReportsOnNone")
    func policyNone() throws {
        let verdict = try Self.verdict(record: "v=DMARC1; p=none; ruf=mailto:f@example.com", spf: (false, true), dkim: [])
        #expect(FailureReportPolicy().decision(for: verdict) == .skip(.policyNone))
        #expect(Self.reportsTo(FailureReportPolicy(reportsOnNone: true).decision(for: verdict)) == ["mailto:f@example.com"])
    }

    @Test("ruf in a psd=y record is not considered; copies still go out")
    func publicSuffixDomain() throws {
        let verdict = try Self.verdict(record: "v=DMARC1; p=reject; psd=y; ruf=mailto:f@example.com", spf: (false, true), dkim: [])
        #expect(FailureReportPolicy().decision(for: verdict) == .skip(.noDestination))
        #expect(Self.reportsTo(FailureReportPolicy(hasCopyAddresses: true).decision(for: verdict)) == [])
    }

    @Test("no record, or a record without ruf and no copies, means no report; fo without ruf is ignored")
    func noDestination() throws {
        var verdict = try Self.verdict(record: "v=DMARC1; p=reject; fo=1", spf: (true, true), dkim: [(false, true)])
        #expect(FailureReportPolicy(hasCopyAddresses: true).decision(for: verdict) == .skip(.optionsNotMet))
        verdict = try Self.verdict(record: "v=DMARC1; p=reject", spf: (false, true), dkim: [])
        #expect(FailureReportPolicy().decision(for: verdict) == .skip(.noDestination))
        #expect(Self.reportsTo(FailureReportPolicy(hasCopyAddresses: true).decision(for: verdict)) == [])
        verdict.dmarc.record = nil
        #expect(FailureReportPolicy(hasCopyAddresses: true).decision(for: verdict) == .skip(.noPolicyRecord))
    }

    @Test("a temperror evaluation gets no report")
    func temporaryError() throws {
        var verdict = try Self.verdict(record: "v=DMARC1; p=reject; ruf=mailto:f@example.com", spf: (false, true), dkim: [])
        verdict.dmarc.result = .temperror
        #expect(FailureReportPolicy().decision(for: verdict) == .skip(.optionsNotMet))
    }

    /// RFC 9991 §5: the RFC 9990 §4 check with ruf in place of rua.
    @Test("an external ruf destination is verified against the ruf tag of its _report._dmarc record")
    func externalDestination() async throws {
        let resolver = try StaticResolver(zone: """
            _dmarc.example.com. TXT "v=DMARC1; p=reject"
            example.com._report._dmarc.reports.example. TXT "v=DMARC1; rua=mailto:agg@reports.example; ruf=mailto:fail@reports.example"
            example.com._report._dmarc.only-rua.example. TXT "v=DMARC1; rua=mailto:agg@elsewhere.example"
            """)
        let checker = ReportDestinationChecker(resolver: resolver, organizationalDomains: DMARCEvaluator(resolver: resolver),
                                               settings: .init(destinationsPerDomain: 5))
        let uris = try DMARCRecord(parsing: """
            v=DMARC1; p=reject; ruf=mailto:f@reports.example,mailto:x@only-rua.example,mailto:y@unknown.example,mailto:z@mail.example.com
            """).failureReportURIs
        let decisions = await checker.destinations(policyDomain: "example.com", uris: uris, messageSize: 2000, kind: .failure)
        #expect(decisions.map(\.address) == ["fail@reports.example", "x@only-rua.example", nil, "z@mail.example.com"])
        let aggregate = await checker.destinations(policyDomain: "example.com", uris: uris, messageSize: 2000)
        #expect(aggregate.map(\.address) == ["agg@reports.example", nil, nil, "z@mail.example.com"])
    }

    @Test("the rate limit allows N reports per destination per window and forgets old ones")
    func rateLimit() {
        var limiter = FailureReportRateLimiter(limit: 2, window: 3600, maximumKeys: 2)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let admitted = [
            ("a@example.com", 0.0), ("A@example.com", 10), ("a@example.com", 20), ("b@example.com", 20),
            ("c@example.com", 30), ("a@example.com", 3601), ("c@example.com", 3630),
        ].map { address, offset in limiter.admit(address, at: start + offset) }
        #expect(admitted == [true, true, false, true, false, true, true])
    }
}
