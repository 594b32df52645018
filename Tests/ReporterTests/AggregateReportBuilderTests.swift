import Auth
import DNS
import Foundation
import Reporter
import Store
import Testing

@Suite struct AggregateReportBuilderTests {
    typealias T = ReportTestMessages

    @Test func messagesOfOneTupleBecomeOneRecordWithTheirCount() throws {
        // Given three identical messages and one from another address
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window)
        for _ in 0..<3 { builder.add(T.message(try T.evaluation())) }
        builder.add(T.message(try T.evaluation(ip: "192.0.2.11")))

        // When the report is built
        let reports = builder.reports()

        // Then there is one report with one record per source, counted (not one per message)
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.records.map(\.count) == [3, 1])
        #expect(report.records.map(\.sourceIP.description) == ["192.0.2.10", "192.0.2.11"])
        #expect(report.messageCount == 4)
        #expect(report.metadata.reportID == "1764288000to1764374399")
        #expect(report.metadata.dateRange == T.window)
        #expect(report.policyDomain == "example.com")
        #expect(report.policyPublished.discoveryMethod == .treewalk)
    }

    @Test func eachPartOfTheTupleSeparatesRecords() throws {
        // Given messages that differ in exactly one grouped value each
        let variants: [MessageEvaluation] = [
            try T.evaluation(),
            try T.evaluation(headerFrom: "sub.example.com"),
            try T.evaluation(mailFrom: "<x@other.example>"),
            try T.evaluation(recipients: ["elsewhere.example"]),
            try T.evaluation(spf: (.pass, "example.com", false), result: .fail, disposition: .reject),
            try T.evaluation(spf: (.pass, "example.com", false), result: .fail, disposition: .quarantine),
            try T.evaluation(spf: (.pass, "example.com", false), result: .fail, disposition: .none,
                             override: .mailingList),
            try T.evaluation(dkim: [(.pass, "example.com", "s1", .strict)]),
        ]
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window)
        for evaluation in variants + variants { builder.add(T.message(evaluation)) }

        let report = try #require(builder.reports().first)

        // Then each variant has its own record, counted twice
        #expect(report.records.count == variants.count)
        #expect(report.records.allSatisfy { $0.count == 2 })
    }

    @Test func eachPolicyDomainGetsItsOwnReport() throws {
        // Given messages under two DMARC Policy Domains (RFC 9990 §3.1.2: bar.example.com has
        // its own record; foo.example.com falls under example.com's)
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window)
        builder.add(T.message(try T.evaluation(headerFrom: "example.com")))
        builder.add(T.message(try T.evaluation(headerFrom: "foo.example.com")))
        builder.add(T.message(try T.evaluation(headerFrom: "bar.example.com", policyDomain: "bar.example.com")))

        let reports = builder.reports()

        #expect(reports.map(\.policyDomain) == ["bar.example.com", "example.com"])
        #expect(reports[0].records.map(\.headerFrom) == ["bar.example.com"])
        #expect(reports[1].records.map(\.headerFrom) == ["example.com", "foo.example.com"])
    }

    @Test func theFinalConfigurationOfTheWindowIsReported() throws {
        // Given a domain that moved from p=none to p=reject during the window, messages added out
        // of time order
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window)
        builder.add(T.message(try T.evaluation(at: 7200, dmarcRecord: "v=DMARC1; p=reject; adkim=s")))
        builder.add(T.message(try T.evaluation(at: 60, dmarcRecord: "v=DMARC1; p=none")))

        let reports = builder.reports()

        // Then RFC 9990 §3.1's SHOULD holds: one report, the last configuration, all messages
        #expect(reports.count == 1)
        #expect(reports[0].policyPublished.p == .reject)
        #expect(reports[0].policyPublished.adkim == .strict)
        #expect(reports[0].messageCount == 2)
    }

    @Test func oneReportPerConfigurationWhenAskedFor() throws {
        // Given the same change, and the builder told to report each configuration (RFC 9990 §3.1 MAY)
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window, policyChanges: .reportPerConfiguration)
        builder.add(T.message(try T.evaluation(at: 60, dmarcRecord: "v=DMARC1; p=none")))
        builder.add(T.message(try T.evaluation(at: 120, dmarcRecord: "v=DMARC1; p=none")))
        builder.add(T.message(try T.evaluation(at: 7200, dmarcRecord: "v=DMARC1; p=reject")))

        let reports = builder.reports()

        // Then two reports in time order, each with its own messages and its own Report-ID
        #expect(reports.map(\.policyPublished.p) == [DMARCPolicy.none, .reject])
        #expect(reports.map(\.messageCount) == [2, 1])
        #expect(reports.map(\.metadata.reportID) == ["1764288000to1764374399", "1764288000to1764374399n2"])
    }

    @Test func defaultsOfUnspecifiedTagsArePublished() throws {
        // RFC 9990 §3.1.1.5: "Unspecified tags have their default values."
        let message = T.message(try T.evaluation(dmarcRecord: "v=DMARC1; p=quarantine"))
        let policy = message.policyPublished
        #expect(policy.p == .quarantine)
        #expect(policy.sp == .quarantine)
        #expect(policy.np == .quarantine)
        #expect(policy.adkim == .relaxed)
        #expect(policy.aspf == .relaxed)
        #expect(policy.isTesting == false)
        #expect(policy.failureReportOptions == "0")

        let explicit = T.message(try T.evaluation(dmarcRecord: "v=DMARC1; p=reject; sp=none; t=y; fo=1:d")).policyPublished
        #expect(explicit.np == DMARCPolicy.none)
        #expect(explicit.isTesting == true)
        #expect(explicit.failureReportOptions == "1:d")
    }

    @Test func recordProblemsBecomeTheErrorElement() throws {
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window)
        builder.add(T.message(try T.evaluation(dmarcRecord: "v=DMARC1; p=reject; sp=maybe")))
        let report = try #require(builder.reports().first)
        #expect(report.metadata.error?.contains("sp=maybe") == true)
    }

    @Test func identifiersFollowTheEnvelope() throws {
        // The null reverse-path gives an empty envelope_from (RFC 9990 §3.1.1.10); several
        // recipient domains give no envelope_to.
        let bounce = T.message(try T.evaluation(mailFrom: "<>")).record
        #expect(bounce.envelopeFrom == "")
        let normal = T.message(try T.evaluation(mailFrom: "<Bounce@Mail.Example.COM>")).record
        #expect(normal.envelopeFrom == "mail.example.com")
        #expect(normal.envelopeTo == "receiver.example")
        let twoDomains = T.message(try T.evaluation(recipients: ["a.example", "b.example"])).record
        #expect(twoDomains.envelopeTo == nil)
    }

    @Test func policyEvaluatedCarriesAlignmentAndOverride() throws {
        let record = T.message(try T.evaluation(
            spf: (.pass, "example.com", false), dkim: [(.pass, "example.com", "s1", .relaxed(organizationalDomain: "example.com"))],
            result: .pass, disposition: .pass)).record
        #expect(record.dkimAligned && !record.spfAligned)

        let overridden = T.message(try T.evaluation(
            spf: (.fail, "example.com", true), result: .fail, disposition: .none,
            override: .trustedForwarder, overrideComment: "arc sealer lists.example.org")).record
        #expect(overridden.reasons == [.init(type: .trustedForwarder, comment: "arc sealer lists.example.org")])
        #expect(overridden.disposition == .none)
    }

    @Test func dkimSignaturesAreOrderedByPreferenceAndCapped() throws {
        // RFC 9990 §3.1.3: strict aligned pass, relaxed aligned pass, other passes, failures;
        // no more than 100 per row.
        var signatures: [(result: DMARCAuthResult, domain: String, selector: String, alignment: DMARCIdentifierCheck.Alignment)] = [
            (.fail, "example.com", "broken", .strict),
            (.pass, "esp.example.net", "esp", .notAligned(organizationalDomain: "example.net")),
            (.pass, "mail.example.com", "relaxed", .relaxed(organizationalDomain: "example.com")),
            (.pass, "example.com", "strict", .strict),
        ]
        let ordered = T.message(try T.evaluation(dkim: signatures)).record.dkim.map(\.selector)
        #expect(ordered == ["strict", "relaxed", "esp", "broken"])

        signatures += (0..<150).map { (.fail, "example.com", "f\($0)", .strict) }
        let capped = T.message(try T.evaluation(dkim: signatures)).record.dkim
        #expect(capped.count == AggregateReport.Message.maximumDKIMResults)
        #expect(capped.prefix(3).map(\.selector) == ["strict", "relaxed", "esp"])
    }

    @Test func messagesWithoutAPolicyRecordAreNotReported() throws {
        var evaluation = try T.evaluation()
        evaluation.verdict.dmarc.record = nil
        evaluation.verdict.dmarc.policyDomain = nil
        #expect(AggregateReport.Message(evaluation: evaluation, discoveryMethod: .psl) == nil)

        var local = try T.evaluation()
        local.envelope.clientIP = nil
        #expect(AggregateReport.Message(evaluation: local, discoveryMethod: .psl) == nil)
    }
}

extension AggregateReportBuilderTests {
    @Test func alreadyGroupedRowsAddTheirCounts() throws {
        // Given rows the history grouped already, one of 40 messages and one of 2
        var forty = T.message(try T.evaluation())
        forty.record.count = 40
        var two = forty
        two.record.count = 2
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window)
        builder.add(forty)
        builder.add(two)

        // Then they make one record of 42
        #expect(builder.reports().first?.records.map(\.count) == [42])
    }
}
