import Auth
import Testing

@Suite("DMARC Policy Record parsing (RFC 9989 §4.7, §4.8)")
struct DMARCRecordTests {
    @Test("every registered tag is read (RFC 9989 §4.7, §9.3)")
    func allTags() throws {
        let record = try DMARCRecord(parsing: """
            v=DMARC1; p=quarantine; sp=reject; np=none; adkim=s; aspf=s; psd=n; t=y; pct=20; \
            rua=mailto:agg@example.com,mailto:agg2@example.net!10m; ruf=mailto:fail@example.com; fo=0:d:s; rf=afrf; ri=3600
            """)
        #expect(record.policy == .quarantine)
        #expect(record.subdomainPolicy == .reject)
        #expect(record.nonExistentSubdomainPolicy == DMARCPolicy.none)
        #expect(record.dkimAlignment == .strict)
        #expect(record.spfAlignment == .strict)
        #expect(record.publicSuffix == .no)
        #expect(record.isTesting)
        #expect(record.percent == 20)
        #expect(record.aggregateReportURIs.map(\.uri) == ["mailto:agg@example.com", "mailto:agg2@example.net"])
        #expect(record.aggregateReportURIs.map(\.maximumSize) == [nil, 10 << 20])
        #expect(record.failureReportURIs.map(\.mailtoAddress) == ["fail@example.com"])
        #expect(record.failureReportOptions == [.allFail, .dkim, .spf])
        #expect(record.failureReportFormats == ["afrf"])
        #expect(record.reportInterval == 3600)
        #expect(record.problems.isEmpty)
    }

    @Test("defaults: relaxed alignment, psd=u, t=n, fo=0, nothing else (RFC 9989 §4.7)")
    func defaults() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1")
        #expect(record.policy == nil)
        #expect(!record.hasPolicyTag)
        #expect(record.dkimAlignment == .relaxed && record.spfAlignment == .relaxed)
        #expect(record.publicSuffix == .unknown)
        #expect(!record.isTesting)
        #expect(record.percent == nil)
        #expect(record.failureReportOptions == [.allFail])
        #expect(record.aggregateReportURIs.isEmpty)
    }

    @Test("v=DMARC1 must come first, with that exact value (RFC 9989 §4.7 v)", arguments: [
        "p=reject; v=DMARC1", "v=DMARC2; p=reject", "v=dmarc1; p=reject", "v=DMARC1p=reject", "v=DMARC10",
        "", "v=spf1 -all", "DMARC1; p=reject", "vv=DMARC1",
    ])
    func versionFirst(_ text: String) {
        #expect(throws: DMARCRecord.ParseError.self) { try DMARCRecord(parsing: text) }
    }

    @Test("white space around separators and equals signs, and upper-case tag names and keywords (RFC 9989 §4.8)")
    func whiteSpaceAndCase() throws {
        let record = try DMARCRecord(parsing: "  V = DMARC1 ;\tP = Reject ; SP=QUARANTINE;ADKIM = S ; ")
        #expect(record.policy == .reject)
        #expect(record.subdomainPolicy == .quarantine)
        #expect(record.dkimAlignment == .strict)
        #expect(record.problems.isEmpty)
    }

    @Test("an invalid p is kept as a problem, not as a policy (RFC 9989 §4.10.1)")
    func invalidPolicy() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1; p=block; sp=maybe; rua=mailto:a@example.com")
        #expect(record.policy == nil)
        #expect(record.hasPolicyTag)
        #expect(record.policyProblems.map(\.tag) == ["p", "sp"])
        #expect(record.aggregateReportURIs.count == 1)
    }

    @Test("other invalid values fall back to their defaults (RFC 9989 §4.8)")
    func invalidValuesUseDefaults() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1; p=none; adkim=x; aspf=; psd=maybe; t=yes; fo=0:1; pct=101; ri=-1")
        #expect(record.dkimAlignment == .relaxed && record.spfAlignment == .relaxed)
        #expect(record.publicSuffix == .unknown)
        #expect(!record.isTesting)
        #expect(record.failureReportOptions == [.allFail])
        #expect(record.percent == nil)
        #expect(record.reportInterval == nil)
        #expect(Set(record.problems.map(\.tag)) == ["adkim", "aspf", "psd", "t", "fo", "pct", "ri"])
    }

    @Test("unknown tags and text that is not a tag are ignored (RFC 9989 §4.7)")
    func unknownTags() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1; p=reject; foo=bar; x-y=z; garbage; ;")
        #expect(record.policy == .reject)
        #expect(record.problems.map(\.tag) == ["", ""])
    }

    @Test("a repeated tag keeps its first value")
    func repeatedTag() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1; p=none; p=reject")
        #expect(record.policy == DMARCPolicy.none)
        #expect(record.problems.map(\.tag) == ["p"])
    }

    @Test("rua: a list with spaces, size suffixes, and invalid URIs left out (RFC 9989 §4.8 dmarc-urilist)")
    func reportingURIs() throws {
        let record = try DMARCRecord(parsing:
            "v=DMARC1; rua = mailto:a@example.com!50k , https://r.example/x?y=1 ,not a uri, mailto:b@example.com!9z, mailto:c%2Cd@example.com!1")
        #expect(record.aggregateReportURIs.map(\.uri) == ["mailto:a@example.com", "https://r.example/x?y=1", "mailto:c%2Cd@example.com"])
        #expect(record.aggregateReportURIs.map(\.maximumSize) == [50 * 1024, nil, 1])
        #expect(record.aggregateReportURIs.map(\.scheme) == ["mailto", "https", "mailto"])
        #expect(record.aggregateReportURIs[2].mailtoAddress == "c,d@example.com")
        #expect(record.problems.map(\.value) == ["not a uri", "mailto:b@example.com!9z"])
    }

    @Test("a size too large for 64 bits is dropped and the URI kept (RFC 7489 §6.4)")
    func oversizedLimit() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1; rua=mailto:a@example.com!99999999999999999999t")
        #expect(record.aggregateReportURIs.map(\.uri) == ["mailto:a@example.com"])
        #expect(record.aggregateReportURIs.first?.maximumSize == nil)
    }

    @Test("pct keeps its published value from 0 to 100 (RFC 7489 §6.3)")
    func percent() throws {
        #expect(try DMARCRecord(parsing: "v=DMARC1; pct=0").percent == 0)
        #expect(try DMARCRecord(parsing: "v=DMARC1; pct=100").percent == 100)
        #expect(try DMARCRecord(parsing: "v=DMARC1; pct=1000").percent == nil)
        #expect(try DMARCRecord(parsing: "v=DMARC1; pct=5.5").percent == nil)
    }

    @Test("fo lists: each option once, 0 and 1 never together (RFC 9989 §4.8 dmarc-fo)")
    func failureOptions() throws {
        #expect(try DMARCRecord(parsing: "v=DMARC1; fo=1").failureReportOptions == [.anyFail])
        #expect(try DMARCRecord(parsing: "v=DMARC1; fo=d : s").failureReportOptions == [.dkim, .spf])
        #expect(try DMARCRecord(parsing: "v=DMARC1; fo=d:d").failureReportOptions == [.allFail])
        #expect(try DMARCRecord(parsing: "v=DMARC1; fo=x").failureReportOptions == [.allFail])
    }

    @Test("a value with a control character or non-ASCII text is not valid (RFC 9989 §4.8 dmarc-value)")
    func unprintableValue() throws {
        let record = try DMARCRecord(parsing: "v=DMARC1; p=reject\u{1}; sp=réject")
        #expect(record.policy == nil)
        #expect(record.subdomainPolicy == nil)
        #expect(record.policyProblems.count == 2)
    }
}
