import Auth
import DNS
import Foundation
import Reporter
import Store
import Testing

@Suite struct AggregateReportXMLWriterTests {
    typealias T = ReportTestMessages

    @Test func aBuiltReportIsValidAgainstTheRFC9990Schema() throws {
        // Given a report with every kind of record the builder makes
        let report = try T.mixedReport()

        // When it is written
        let xml = AggregateReportXMLWriter.xml(report)

        // Then xmllint finds it valid against RFC 9990 Appendix A
        try SchemaValidation.validate(xml)
    }

    @Test func everyOptionalElementAtOnceIsValid() throws {
        // Given a report that fills every element the model has, with text that needs escaping
        var report = try T.mixedReport()
        report.metadata.extraContactInfo = "Call <postmaster> & ask for \"DMARC\""
        report.metadata.error = "sp=maybe: not a policy\nsecond line\r\nthird"
        report.policyDomain = "example.com"
        report.policyPublished = HistoryRecord.PublishedPolicy(
            p: .reject, sp: .quarantine, np: DMARCPolicy.none, adkim: .strict, aspf: .relaxed, isTesting: true,
            failureReportOptions: "1:d:s", discoveryMethod: .psl)
        report.records[0].reasons = [.init(type: .other, comment: "a\u{1}b </comment>"), .init(type: .policyTestMode)]
        report.records[0].dkim = [.init(domain: "example.com", selector: nil, result: .softfail, humanResult: "x]]>y")]

        let xml = AggregateReportXMLWriter.xml(report)

        try SchemaValidation.validate(xml)
        let text = String(decoding: xml, as: UTF8.self)
        #expect(text.contains("<extra_contact_info>Call &lt;postmaster&gt; &amp; ask for &quot;DMARC&quot;</extra_contact_info>"))
        #expect(text.contains("<comment>ab &lt;/comment&gt;</comment>"))
    }

    @Test func theDocumentHasTheRFC9990NamespaceAndVersion() throws {
        let text = String(decoding: AggregateReportXMLWriter.xml(try T.mixedReport()), as: UTF8.self)
        #expect(text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + #"<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">"#))
        #expect(text.contains("<version>1.0</version>"))
    }

    @Test func authResultsListDKIMBeforeSPF() throws {
        // The schema's AuthResultType is a sequence: dkim* then spf (OpenDMARC wrote them the
        // other way round).
        let text = String(decoding: AggregateReportXMLWriter.xml(try T.mixedReport()), as: UTF8.self)
        let record = try #require(text.range(of: "<auth_results>").map { text[$0.upperBound...] })
        let dkim = try #require(record.range(of: "<dkim>"))
        let spf = try #require(record.range(of: "<spf>"))
        #expect(dkim.lowerBound < spf.lowerBound)
    }

    @Test func theSchemaCheckCatchesAWrongOrder() throws {
        // The validation the tests rely on is not a formality: spf before dkim is refused.
        let text = String(decoding: AggregateReportXMLWriter.xml(try T.mixedReport()), as: UTF8.self)
        let swapped = text.replacingOccurrences(of: "<disposition>pass</disposition>\n        <dkim>pass</dkim>",
                                                with: "<dkim>pass</dkim>\n        <disposition>pass</disposition>")
        #expect(swapped != text)
        #expect(throws: (any Error).self) { try SchemaValidation.validate(Array(swapped.utf8)) }
    }
}

extension AggregateReportXMLWriterTests {
    @Test func theLeastAReportCanHoldIsValid() throws {
        // Only the required elements: no optional metadata or policy tags, a record without
        // envelope identifiers and without any authentication result.
        let report = AggregateReport(
            metadata: .init(orgName: "r", email: "e@r.example", reportID: "1", dateRange: T.window),
            policyDomain: "example.com", policyPublished: .init(p: DMARCPolicy.none),
            records: [.init(sourceIP: IPAddress("192.0.2.1")!, count: 1, disposition: .none, dkimAligned: false,
                            spfAligned: false, headerFrom: "example.com")])
        try SchemaValidation.validate(AggregateReportXMLWriter.xml(report))
        #expect(try AggregateReportXMLReader.read(Data(AggregateReportXMLWriter.xml(report))) == report)
    }

    @Test func eachReportOfAChangedPolicyIsValid() throws {
        var builder = AggregateReportBuilder(reporter: T.reporter, dateRange: T.window, policyChanges: .reportPerConfiguration)
        builder.add(T.message(try T.evaluation(at: 60, dmarcRecord: "v=DMARC1; p=none; fo=1")))
        builder.add(T.message(try T.evaluation(at: 120, dmarcRecord: "v=DMARC1; p=reject; sp=quarantine; np=reject; t=y")))
        for report in builder.reports() { try SchemaValidation.validate(AggregateReportXMLWriter.xml(report)) }
    }
}
