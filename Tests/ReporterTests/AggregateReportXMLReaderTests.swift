import Auth
import DNS
import Foundation
import Reporter
import Store
import Testing
import TestSupport

@Suite struct AggregateReportXMLReaderTests {
    typealias T = ReportTestMessages

    @Test func aWrittenReportReadsBackUnchanged() throws {
        // Given a built report with every kind of record
        let report = try T.mixedReport()

        // When it is written and read again
        let read = try AggregateReportXMLReader.read(Data(AggregateReportXMLWriter.xml(report)))

        // Then it is the same report: counts, results, identifiers, free text
        #expect(read == report)
        #expect(read.messageCount == 7)
    }

    @Test func escapedAndControlTextSurvivesTheRoundTrip() throws {
        var report = try T.mixedReport()
        report.metadata.extraContactInfo = "a < b & \"c\" > d\r\ne\tf"
        report.metadata.orgName = "Überprüfung GmbH"
        let read = try AggregateReportXMLReader.read(Data(AggregateReportXMLWriter.xml(report)))
        #expect(read.metadata.extraContactInfo == report.metadata.extraContactInfo)
        #expect(read.metadata.orgName == "Überprüfung GmbH")
    }

    @Test func theRFC9990SampleReads() throws {
        // RFC 9990 Appendix B as the working group published it
        let report = try AggregateReportXMLReader.read(Fixtures.data(Fixtures.corpus("ietf-dmarcbis/aggregate-reporting/dmarc-xml-0.2.xml")))
        #expect(report.version == "1.0")
        #expect(report.metadata.reportID == "3v98abbp8ya9n3va8yr8oa3ya")
        #expect(report.policyPublished.discoveryMethod == .treewalk)
        #expect(report.policyPublished.np == DMARCPolicy.none)
        #expect(report.records.first?.count == 123)
        #expect(report.records.first?.disposition == .pass)
        #expect(report.records.first?.dkim.first?.selector == "abc123")
        #expect(report.records.first?.spf?.result == .fail)
    }

    @Test func anUnnamespacedRFC7489ReportReads() throws {
        let report = try AggregateReportXMLReader.read(Fixtures.data(Fixtures.corpus(
            "parsedmarc/samples/aggregate/old_draft_from_wiki.xml")))
        #expect(report.version == nil)
        #expect(report.metadata.orgName == "acme.com")
        #expect(report.policyPublished.p == DMARCPolicy.none)
        #expect(report.records.first.map { ($0.count, $0.dkimAligned, $0.spfAligned) } ?? (0, true, false) == (2, false, true))
    }

    @Test func upperCaseValuesAreAccepted() throws {
        let report = try AggregateReportXMLReader.read(Fixtures.data(Fixtures.corpus(
            "parsedmarc/samples/aggregate_invalid/report_with_upper_cased_pass.xml")))
        #expect(report.records.contains { $0.spfAligned || $0.dkimAligned })
    }

    @Test(arguments: [
        ("", "empty"),
        ("<feedback>", "well-formed"),
        ("<feedback><report_metadata>", "well-formed"),
        ("<?xml version=\"1.0\"?><other/>", "not <feedback>"),
        ("<feedback xmlns=\"urn:example:other\"/>", "not <feedback>"),
        ("<feedback/>", "no <report_metadata>"),
        ("not xml at all", "well-formed"),
        ("<!DOCTYPE feedback [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><feedback>&b;</feedback>",
         "document type declaration"),
        ("<!DOCTYPE feedback SYSTEM \"file:///etc/passwd\"><feedback/>", "document type declaration"),
        // Found by fuzzing: FoundationXML crashed on a processing instruction without data.
        ("<?x?><feedback/>", "processing instruction"),
        ("<?xml-stylesheet?><feedback/>", "processing instruction"),
        ("<?xml version=\"1.0\"?><feedback><?x?></feedback>", "processing instruction"),
    ])
    func badDocumentsAreRefusedWithAReason(document: String, reason: String) {
        // When a document is not a report, the error says why (and nothing crashes)
        #expect {
            try AggregateReportXMLReader.read(Data(document.utf8))
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    @Test func anElementNameThatIsNotUTF8IsRefusedNotATrap() throws {
        // Given a report found by fuzzing: a UTF-8 document with 0xFF bytes inside an element
        // name, on which FoundationXML's parser trapped
        let data = try Fixtures.data(Fixtures.url("fuzz/aggregate-xml-name-not-utf8.xml"))

        // When it is read, then it is refused with the reason, instead of the process dying: read
        // as windows-1252 (the repair for UTF-8 documents that are not), its start and end tags
        // still differ
        #expect {
            try AggregateReportXMLReader.read(data)
        } throws: { error in
            String(describing: error).contains("not UTF-8")
        }
    }

    @Test func aDocumentNotInUTF8NorInAnEncodingLibxml2KnowsIsRefusedNotATrap() throws {
        // Given the document of a later fuzzer run: encoding "iso8859-UTF-8", which libxml2
        // does not know, and an element name of 0xFF bytes, which it then passed on unconverted
        let data = try Fixtures.data(Fixtures.url("fuzz/aggregate-xml-unknown-encoding-not-utf8.xml"))

        // When it is read, then it is refused with the reason
        #expect {
            try AggregateReportXMLReader.read(data)
        } throws: { error in
            String(describing: error).contains("its encoding \"iso8859-UTF-8\" is not one of ISO 8859 or the Windows code pages")
        }
    }

    @Test func aProcessingInstructionWithoutDataIsRefusedNotACrash() throws {
        // Given the document the fuzzer crashed FoundationXML's parser with: `<?x?>` first
        let data = try Fixtures.data(Fixtures.url("fuzz/aggregate-xml-instruction-without-data.xml"))

        // When it is read, then it is refused with the reason
        #expect {
            try AggregateReportXMLReader.read(data)
        } throws: { error in
            String(describing: error).contains("processing instruction")
        }
    }

    @Test func badValuesNameTheirRecordAndElement() throws {
        var text = String(decoding: AggregateReportXMLWriter.xml(try T.mixedReport()), as: UTF8.self)
        text = text.replacingOccurrences(of: "<source_ip>198.51.100.7</source_ip>", with: "<source_ip>108r.166.27.220</source_ip>")
        #expect {
            try AggregateReportXMLReader.read(Data(text.utf8))
        } throws: { error in
            String(describing: error).hasPrefix("record 3: <source_ip> \"108r.166.27.220\"")
        }
    }

    @Test func limitsAreCheckedBeforeAndWhileParsing() throws {
        let xml = Data(AggregateReportXMLWriter.xml(try T.mixedReport()))
        #expect(throws: AggregateReportXMLReader.ReadError.self) {
            try AggregateReportXMLReader.read(xml, limits: .init(maximumBytes: xml.count - 1))
        }
        let deep = "<feedback>" + String(repeating: "<x>", count: 40) + String(repeating: "</x>", count: 40) + "</feedback>"
        #expect {
            try AggregateReportXMLReader.read(Data(deep.utf8))
        } throws: { error in
            String(describing: error).contains("nested deeper")
        }
    }

    @Test func truncatedOutputOfOurWriterIsRefused() throws {
        let xml = AggregateReportXMLWriter.xml(try T.mixedReport())
        for length in stride(from: 1, to: xml.count - 2, by: 97) {
            #expect(throws: AggregateReportXMLReader.ReadError.self) {
                try AggregateReportXMLReader.read(Data(xml.prefix(length)))
            }
        }
    }
}
