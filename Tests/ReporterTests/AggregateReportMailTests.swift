import Foundation
import Reporter
import Testing
import TestSupport

@Suite struct AggregateReportMailTests {
    static let mail = AggregateReportMail(
        from: "DMARC Reports <dmarc-reports@mx.receiver.example>", to: ["d@example.com", "agg@reports.example.net"],
        receiver: "mx.receiver.example", date: Date(timeIntervalSince1970: 1_764_374_460))

    /// The message as Python's standard e-mail parser sees it: an independent reading of the
    /// MIME structure.
    struct Parsed: Decodable {
        var headers: [String: String]
        var parts: [Part]

        struct Part: Decodable {
            var contentType: String
            var fileName: String?
            var payload: String
        }
    }

    static func parse(_ message: [UInt8]) throws -> Parsed {
        let script = """
            import sys, json, email, email.policy, base64
            m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
            headers = {k: str(v) for k, v in m.items()}
            parts = [{"contentType": p.get_content_type(), "fileName": p.get_filename(),
                      "payload": base64.b64encode(p.get_payload(decode=True)).decode()}
                     for p in m.iter_parts()]
            print(json.dumps({"headers": headers, "parts": parts}))
            """
        let output = try TestProgram.run(["/usr/bin/python3", "-c", script], input: message)
        return try JSONDecoder().decode(Parsed.self, from: Data(output))
    }

    @Test func theMessageCarriesTheReportAsTheRFCAsks() throws {
        // Given a built report, written and compressed
        let report = try ReportTestMessages.mixedReport()
        let gzip = try ReportCompression.gzip(AggregateReportXMLWriter.xml(report))

        // When it is wrapped in a message
        let message = try Self.mail.message(for: report, gzipData: gzip)
        let parsed = try Self.parse(message)

        // Then the header fields are those of RFC 9990 §3.5.2 and RFC 3834
        let id = "1764288000to1764374399"
        #expect(parsed.headers["Subject"] == "Report Domain: example.com Submitter: mx.receiver.example Report-ID: \(id)")
        #expect(parsed.headers["From"] == "DMARC Reports <dmarc-reports@mx.receiver.example>")
        #expect(parsed.headers["To"] == "d@example.com, agg@reports.example.net")
        #expect(parsed.headers["Message-ID"] == "<\(id).example.com@mx.receiver.example>")
        #expect(parsed.headers["Date"] == "Sat, 29 Nov 2025 00:01:00 +0000")
        #expect(parsed.headers["Auto-Submitted"] == "auto-generated")
        #expect(parsed.headers["MIME-Version"] == "1.0")

        // And a short text part, then the gzip attachment with the RFC's file name
        #expect(parsed.parts.map(\.contentType) == ["text/plain", "application/gzip"])
        let text = String(decoding: Data(base64Encoded: parsed.parts[0].payload) ?? Data(), as: UTF8.self)
        #expect(text.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("7 messages from 5 addresses"))
        #expect(parsed.parts[1].fileName == "mx.receiver.example!example.com!1764288000!1764374399!\(id).xml.gz")
        let attachment = try #require(Data(base64Encoded: parsed.parts[1].payload))
        #expect(Array(attachment) == gzip)

        // And the same Report-ID stands in the XML (RFC 9990 §3.1.4)
        let xml = try ReportCompression.gunzip(Array(attachment), maximumSize: 1 << 20)
        #expect(try AggregateReportXMLReader.read(Data(xml)).metadata.reportID == id)
    }

    @Test func everyLineEndsInCRLFAndFitsTheLimits() throws {
        let report = try ReportTestMessages.mixedReport()
        let message = try Self.mail.message(for: report, gzipData: try ReportCompression.gzip(AggregateReportXMLWriter.xml(report)))
        let text = String(decoding: message, as: UTF8.self)
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // RFC 5322 §2.1.1: 998 at most; 78 but for the one line holding the file name, which
        // has no place to fold.
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        #expect(lines.filter { $0.utf8.count > 78 }.allSatisfy { $0.contains("name=") }, "\(lines.filter { $0.utf8.count > 78 })")
    }

    @Test func aLongSubjectIsFoldedAtItsSpaces() throws {
        var report = try ReportTestMessages.mixedReport()
        report.policyDomain = "a-rather-long-subdomain.of-a-long-organizational-domain.example"
        let message = try Self.mail.message(for: report, gzipData: [])
        let text = String(decoding: message, as: UTF8.self)
        #expect(text.contains("Subject: Report Domain: a-rather-long-subdomain.of-a-long-organizational-domain.example\r\n Submitter: mx.receiver.example\r\n Report-ID: 1764288000to1764374399\r\n"))
        #expect(try Self.parse(message).headers["Subject"]
                == "Report Domain: \(report.policyDomain) Submitter: mx.receiver.example Report-ID: 1764288000to1764374399")
    }

    @Test func headerValuesCannotAddFields() throws {
        let report = try ReportTestMessages.mixedReport()
        var mail = Self.mail
        mail.to = ["d@example.com\r\nBcc: victim@example.org"]
        #expect(throws: AggregateReportMail.Invalid.self) { try mail.message(for: report, gzipData: []) }
        mail.to = []
        #expect(throws: AggregateReportMail.Invalid.self) { try mail.message(for: report, gzipData: []) }
    }
}
