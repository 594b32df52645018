import Foundation
import Reporter
import Testing
import TestSupport

/// parsedmarc, which many Domain Owners feed their ruf mailbox to, reads our failure report as
/// one with the fields we wrote (issue 12 asks for it). Runs when parsedmarc is installed, like
/// ``ParsedmarcTests``.
@Suite(.enabled(if: Parsedmarc.program != nil, "parsedmarc is not installed"))
struct FailureReportParsedmarcTests {
    @Test func parsedmarcReadsOurFailureReport() throws {
        let message = try FailureReportTests.report(verdict: FailureReportTests.failingVerdict()).message()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-parsedmarc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("failure.eml")
        try Data(message).write(to: file)
        let output = try TestProgram.run([try #require(Parsedmarc.program), "--offline", file.path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])
        let reports = try #require((json["failure_reports"] ?? json["forensic_reports"]) as? [[String: Any]],
                                   "\(String(decoding: output, as: UTF8.self))")
        try #require(reports.count == 1)
        let report = reports[0]
        #expect(report["feedback_type"] as? String == "auth-failure")
        #expect(report["auth_failure"] as? [String] == ["dmarc"])
        #expect(report["reported_domain"] as? String == "example.com")
        #expect(report["delivery_result"] as? String == "reject")
        #expect(report["original_mail_from"] as? String == "<bounce@bounce.example.com>")
        #expect(report["original_rcpt_to"] as? String == "<staff@receiver.example>")
        #expect(report["arrival_date_utc"] as? String == "2025-11-29 12:00:00")
        #expect(report["authentication_results"] as? String
                == "mx.receiver.example; dmarc=fail (p=reject dis=reject) header.from=example.com")
        #expect(report["dkim_domain"] as? String == "mail.example.com")
        #expect((report["source"] as? [String: Any])?["ip_address"] as? String == "192.0.2.7")
        #expect(report["sample_headers_only"] as? Bool == true)
        #expect((report["parsed_sample"] as? [String: Any])?["subject"] as? String == "Invoice")
    }

    @Test func parsedmarcReadsOurFailureReportWithTheWholeMessage() throws {
        var report = FailureReportTests.report(verdict: try FailureReportTests.failingVerdict())
        report.original.content = .message(body: FailureReportTests.body)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-parsedmarc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("failure.eml")
        try Data(try report.message()).write(to: file)
        let output = try TestProgram.run([try #require(Parsedmarc.program), "--offline", file.path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])
        let reports = try #require((json["failure_reports"] ?? json["forensic_reports"]) as? [[String: Any]],
                                   "\(String(decoding: output, as: UTF8.self))")
        try #require(reports.count == 1)
        #expect(reports[0]["reported_domain"] as? String == "example.com")
        #expect(reports[0]["sample_headers_only"] as? Bool == false)
        let sample = try #require(reports[0]["parsed_sample"] as? [String: Any])
        #expect(sample["subject"] as? String == "Invoice")
        #expect((sample["body"] as? String)?.contains("Please pay the attached invoice.") == true, "\(sample)")
    }
}
