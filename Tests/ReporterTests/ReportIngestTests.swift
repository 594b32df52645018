import Auth
import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// Reports in the shapes they arrive in, through `ReportIntake` into a real SQLite history.
@Suite struct ReportIngestTests {
    static let mail = AggregateReportMail(
        from: "dmarc-reports@mx.receiver.example", to: ["dmarc@example.com"], receiver: "mx.receiver.example",
        date: Date(timeIntervalSince1970: 1_764_374_460))

    @Test func aReportWeMailedComesBackWithTheSameCounts() throws {
        // Given the mail dmarcd sends: the report gzip-compressed, base64 in a multipart/mixed message
        let report = try ReportTestMessages.mixedReport()
        let message = try Self.mail.message(for: report, gzipData: try ReportCompression.gzip(AggregateReportXMLWriter.xml(report)))
        let fixture = try IntakeFixture()
        // When it is ingested
        let results = try fixture.intake.ingest(message, source: "Q1")
        // Then the one report is stored as it was built
        let stored = try #require(results.first?.storedReport)
        #expect(results.count == 1)
        #expect(stored == report)
        let kept = try fixture.store.receivedReports()
        #expect(kept.count == 1)
        #expect(kept.first?.report == report.receivedReport)
        #expect(kept.first?.report.records.count == report.records.count)
        #expect(kept.first?.report.messageCount == report.messageCount)
        #expect(kept.first?.receipt.source == "Q1")
        #expect(kept.first?.receipt.rawSize == message.count)
    }

    @Test func theSameReportTwiceIsStoredOnce() throws {
        let path = "parsedmarc/samples/extract_report/nice-input.xml"
        let fixture = try IntakeFixture()
        let first = try fixture.intake.ingest(Array(try Fixtures.data(Fixtures.corpus(path))), source: path)
        // The same report in another container is still the same report.
        let again = try fixture.intake.ingest(Array(try Fixtures.data(Fixtures.corpus(path + ".zip"))), source: path + ".zip")
        #expect(first.count == 1 && first.first?.storedReport != nil)
        guard case .duplicate(let report, _) = again.first else {
            Issue.record("\(again)")
            return
        }
        #expect(report.metadata.reportID == first.first?.storedReport?.metadata.reportID)
        #expect(try fixture.store.receivedReportCount() == 1)
    }

    /// One report in the MIME shapes reporters use; each finds the one report.
    @Test(arguments: [
        ("application/gzip", "base64", "report.xml.gz", true),
        ("application/octet-stream", "base64", "report.xml.gz", true),
        ("application/x-gzip", "base64", nil, true),
        ("application/zip", "base64", "report.zip", true),
        ("text/xml", "quoted-printable", "report.xml", false),
        ("text/xml", "7bit", nil, false),
    ] as [(String, String, String?, Bool)])
    func aReportInAnyMIMEShapeIsFound(type: String, encoding: String, name: String?, compressed: Bool) throws {
        let report = try ReportTestMessages.mixedReport()
        let xml = AggregateReportXMLWriter.xml(report)
        var content = compressed ? try ReportCompression.gzip(xml) : xml
        if type == "application/zip" { content = StoredZip.archive([("report.xml", xml)]) }
        let body: String
        switch encoding {
        case "base64": body = Data(content).base64EncodedString(options: .lineLength76Characters)
        case "quoted-printable": body = String(decoding: content, as: UTF8.self).replacingOccurrences(of: "=", with: "=3D")
        default: body = String(decoding: content, as: UTF8.self)
        }
        // A forwarded report: the report message attached to another, inside a nested multipart.
        let message = """
            From: someone@example.com\r
            Subject: Fwd: a report\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            --outer\r
            Content-Type: text/plain\r
            \r
            See the attached report.\r
            --outer\r
            Content-Type: message/rfc822\r
            \r
            From: noreply-dmarc@reporter.example\r
            Content-Type: multipart/alternative; boundary=inner\r
            \r
            --inner\r
            Content-Type: text/html\r
            \r
            <p>A report</p>\r
            --inner\r
            Content-Type: \(type)\(name.map { "; name=\"\($0)\"" } ?? "")\r
            Content-Transfer-Encoding: \(encoding)\r
            \r
            \(body)\r
            --inner--\r
            --outer--\r

            """
        let outcomes = ReportIngester().outcomes(of: Array(message.utf8), origin: "forwarded.eml")
        #expect(outcomes.count == 1, "\(outcomes)")
        guard case .report(let found, _) = outcomes.first else { return }
        #expect(found == report)
    }

    @Test func anMboxFileOfTwoReportMessagesGivesTwoReports() throws {
        var second = try ReportTestMessages.mixedReport()
        second.metadata.reportID = "second"
        let messages = try [ReportTestMessages.mixedReport(), second].map { report in
            String(decoding: try Self.mail.message(for: report, gzipData: try ReportCompression.gzip(AggregateReportXMLWriter.xml(report))),
                   as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        }
        let mbox = messages.map { "From dmarc-reports@mx.receiver.example Sat Nov 29 00:01:00 2025\n\($0)\n" }.joined()
        let outcomes = ReportIngester().outcomes(of: Array(mbox.utf8), origin: "reports.mbox")
        let reports = outcomes.compactMap { outcome -> String? in
            if case .report(let report, _) = outcome { report.metadata.reportID } else { nil }
        }
        #expect(reports == [try ReportTestMessages.mixedReport().metadata.reportID, "second"])
    }

    @Test func aMessageWithoutAReportIsRejectedNamingItsParts() throws {
        let path = "parsedmarc/samples/failure/" + (try FileManager.default.contentsOfDirectory(
            atPath: Fixtures.corpus("parsedmarc/samples/failure").path).sorted().first { $0.hasSuffix(".eml") } ?? "")
        let outcomes = ReportIngester().outcomes(of: Array(try Fixtures.data(Fixtures.corpus(path))), origin: path)
        guard outcomes.count == 1, case .rejected(_, let reason) = outcomes[0] else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(reason.hasPrefix("the message holds no aggregate report (parts: "))
    }

    /// AOL's shape (as in opendmarc's bad.com sample, which is also cut off): a prefixed root,
    /// unprefixed children, windows-1252 text.
    @Test func aPrefixedRootWithUnprefixedChildrenReads() throws {
        let document = """
            <?xml version="1.0" encoding="windows-1252"?><ns1:feedback xmlns:ns1='http://dmarc.org/dmarc-xml/0.1'>\
            <report_metadata><org_name>AOL \u{93}Mail\u{94}</org_name><email>postmaster@aol.com</email>\
            <report_id>example.com_1337227200</report_id><date_range><begin>1337140800</begin><end>1337227200</end>\
            </date_range></report_metadata><policy_published><domain>example.com</domain><p>NONE</p></policy_published>\
            <record><row><source_ip>192.0.2.1</source_ip><count>2</count><policy_evaluated><disposition>None</disposition>\
            <dkim>Pass</dkim><spf>Fail</spf></policy_evaluated></row><identifiers><header_from>Example.com</header_from>\
            </identifiers></record></ns1:feedback>
            """
        // One byte per character: 0x93 and 0x94 are windows-1252's curly quotes.
        let bytes = document.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        let outcomes = ReportIngester().outcomes(of: bytes, origin: "aol.xml")
        guard case .report(let report, _) = outcomes.first else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(report.metadata.orgName == "AOL \u{201C}Mail\u{201D}")
        #expect(report.policyPublished.p == DMARCPolicy.none)
        #expect(report.records.map(\.count) == [2])
        #expect(report.records.first?.headerFrom == "example.com")
    }

    @Test func receivedReportsGoWithRetention() throws {
        let fixture = try IntakeFixture()
        let report = try ReportTestMessages.mixedReport()
        _ = try fixture.intake.ingest(AggregateReportXMLWriter.xml(report), source: "old.xml")
        let afterWindow = Date(timeIntervalSince1970: TimeInterval(report.metadata.dateRange.end + 1))
        _ = try fixture.store.expire(olderThan: Date(timeIntervalSince1970: TimeInterval(report.metadata.dateRange.end)), batchSize: 100)
        #expect(try fixture.store.receivedReportCount() == 1)
        _ = try fixture.store.expire(olderThan: afterWindow, batchSize: 100)
        #expect(try fixture.store.receivedReportCount() == 0)
    }
}
