import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// The outbox on the status page: reports by state, a report's XML, the stored file, the last
/// run, and the same in JSON and `/metrics`.
@Suite(.serialized)
struct StatusReportsPageTests {
    static let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0"><report_metadata><org_name>mx.example.net</org_name>\
        <report_id>R-1</report_id></report_metadata><policy_published><domain>sender0.example</domain>\
        </policy_published></feedback>
        """

    /// Two windows: sender0's report sent to one address and retrying at another; quo"te's
    /// refused for good.
    static func server() async throws -> (StatusPageTestServer, [Data]) {
        var files: [Data] = []
        let server = try await StatusPageTestServer { store in
            let day = Date(timeIntervalSince1970: 1_795_046_400)
            let file = Data(try ReportCompression.gzip(Array(xml.utf8)))
            files.append(file)
            try store.closeReportWindow(from: day, to: day + 86_400, reports: [
                NewOutboxReport(reportID: "R-1", policyDomain: "sender0.example",
                                fileName: "mx.example.net!sender0.example!1795046400!1795132800!R-1.xml.gz",
                                messageCount: 12, file: file,
                                destinations: ["mailto:dmarc@sender0.example", "mailto:agg@reports.example"]),
            ], at: day + 86_500)
            try store.closeReportWindow(from: day + 86_400, to: day + 2 * 86_400, reports: [
                NewOutboxReport(reportID: "R-2", policyDomain: "quo\"te.example", fileName: "x!quo.example!1!2!R-2.xml.gz",
                                messageCount: 1, file: file, destinations: ["mailto:<script>@quo.example"]),
            ], at: day + 2 * 86_500)
            let due = try store.dueDeliveries(at: day + 3 * 86_400)
            for delivery in due {
                switch delivery.destination {
                case "mailto:dmarc@sender0.example": try store.markDeliverySent(delivery.id, at: day + 86_600)
                case "mailto:agg@reports.example":
                    try store.markDeliveryNotSent(delivery.id, state: .retrying, error: "421 try later",
                                                  nextAttempt: day + 90_000, attempted: true)
                default: try store.markDeliveryNotSent(delivery.id, state: .failed, error: "550 <b>no such user</b>", attempted: true)
                }
            }
            try store.recordReportRun(ReportRun(time: day + 86_600, built: 2, sent: 1, failed: 1))
        }
        return (server, files)
    }

    @Test func theOutboxShowsEachReportWithItsDeliveries() async throws {
        let (server, files) = try await Self.server()
        let page = try server.get("/reports").body
        #expect(page.contains("sender0.example"))
        #expect(page.contains("421 try later"))
        #expect(page.contains("2 built, 1 sent, 1 failed"))
        #expect(page.contains("quo&quot;te.example"))
        #expect(page.contains("550 &lt;b&gt;no such user&lt;/b&gt;"))
        #expect(!page.contains("<script>@"))
        #expect(!page.contains("Older"), "one page holds both reports")
        #expect(try server.get("/").body.contains("2 built, 1 sent, 1 failed"))

        let failed = try server.get("/reports?state=failed").body
        #expect(failed.contains("quo&quot;te.example"))
        #expect(!failed.contains("R-1"))

        let reports = try server.store.outboxReports()
        let sender0 = try #require(reports.first { $0.reportID == "R-1" })
        #expect(sender0.state == .retrying)
        let detail = try server.get("/reports/\(sender0.id)").body
        #expect(detail.contains("&lt;report_id&gt;R-1&lt;/report_id&gt;"), "the XML is shown as text")
        let file = try server.get("/reports/\(sender0.id)/file")
        #expect(file.headers["content-type"] == "application/gzip")
        #expect(file.headers["content-disposition"]?.contains(sender0.fileName) == true)
        #expect(try server.get("/reports/999").status == 404)
        #expect(try HTTPTestClient.getBytes(server.baseURL + "/reports/\(sender0.id)/file") == files[0])
    }

    @Test func theOutboxIsInTheAPIAndTheMetrics() async throws {
        let (server, _) = try await Self.server()
        let page = try #require(try JSONSerialization.jsonObject(
            with: Data(try server.get("/api/v1/reports").body.utf8)) as? [String: Any])
        #expect((page["reports"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["aggregate", "aggregate"])
        #expect(page["deliveries"] as? [String: Int] == ["pending": 0, "sent": 1, "retrying": 1, "failed": 1, "suppressed": 0])
        #expect((page["lastRun"] as? [String: Any])?["built"] as? Int == 2)
        let metrics = try server.get("/metrics").body
        #expect(metrics.contains(#"dmarcd_report_deliveries{state="retrying"} 1"#))
        #expect(metrics.contains(#"dmarcd_report_deliveries{state="pending"} 0"#))
        #expect(metrics.contains("dmarcd_report_last_run_timestamp_seconds"))
    }

    @Test func aFailureReportIsListedWithItsKindAndShowsItsMessageAsText() async throws {
        let message = Data("""
            From: dmarc-reports@mx.example.net\r
            Subject: DMARC failure report for sender0.example\r
            \r
            Original: <script>alert(1)</script>\r

            """.utf8)
        let server = try await StatusPageTestServer { store in
            try store.storeFailureReport(
                NewFailureReport(reportID: "1795046400.1.ab", policyDomain: "sender0.example",
                                 arrivalDate: Date(timeIntervalSince1970: 1_795_046_400),
                                 sender: "dmarc-reports@mx.example.net", message: message,
                                 recipients: ["ruf@sender0.example"]),
                at: Date(timeIntervalSince1970: 1_795_046_401))
        }
        let report = try #require(try server.store.outboxReports().first)

        let list = try server.get("/reports").body
        #expect(list.contains("<td>failure</td>"))
        #expect(list.contains("arrived 2026-11-19"), "\(list)")
        #expect(list.contains("ruf@sender0.example"))

        let detail = try server.get("/reports/\(report.id)").body
        #expect(detail.contains("Failure report 1795046400.1.ab"))
        #expect(detail.contains("Subject: DMARC failure report for sender0.example"), "the message is shown as it is")
        #expect(detail.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!detail.contains("<script>"))

        let file = try server.get("/reports/\(report.id)/file")
        #expect(file.headers["content-type"] == "message/rfc822")
        #expect(file.headers["content-disposition"] == "attachment; filename=\"1795046400.1.ab.eml\"")
        #expect(try HTTPTestClient.getBytes(server.baseURL + "/reports/\(report.id)/file") == message)

        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(try server.get("/api/v1/reports/\(report.id)").body.utf8)) as? [String: Any])
        #expect(json["kind"] as? String == "failure")
    }
}
