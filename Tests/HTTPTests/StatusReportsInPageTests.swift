import Auth
import DNS
import Foundation
import Store
import Testing
import TestSupport

/// The "Reports in" pages over reports stored in a real history file: what receivers say about
/// our domain, its sources, and what `p=reject` would have rejected.
@Suite(.serialized)
struct StatusReportsInPageTests {
    static let day: Int64 = 86_400

    static func report(org: String, id: String, daysAgo: Int64, policy: DMARCPolicy = .none,
                       records: [ReceivedReport.Record]) -> ReceivedReport {
        let begin = (Int64(Date().timeIntervalSince1970) / day - daysAgo) * day
        return ReceivedReport(orgName: org, email: "noreply@\(org.lowercased().filter(\.isLetter)).example",
                              reportID: id, begin: begin, end: begin + day - 1, policyDomain: "example.com",
                              policyPublished: .init(p: policy, adkim: .relaxed, aspf: .relaxed, percent: 100),
                              records: records)
    }

    static func record(_ ip: String, _ count: Int, passing: Bool, reasons: [ReceivedReport.Record.Reason] = [])
        -> ReceivedReport.Record {
        ReceivedReport.Record(sourceIP: IPAddress(ip)!, count: count, disposition: .none, dkimAligned: passing,
                              spfAligned: passing, reasons: reasons, headerFrom: "example.com")
    }

    static func server() async throws -> StatusPageTestServer {
        try await StatusPageTestServer { store in
            let receipt = ReceivedReport.Receipt(source: "test", receivedAt: Date(), rawSize: 1)
            for report in [
                // Outside the 30 days: not shown.
                report(org: "Old Reporter", id: "old", daysAgo: 60, records: [record("198.51.100.9", 50, passing: false)]),
                report(org: "Google", id: "g1", daysAgo: 10, records: [
                    record("192.0.2.1", 10, passing: true),
                    record("203.0.113.5", 4, passing: false, reasons: [.init(type: .mailingList, comment: "list")]),
                ]),
                // A name with a comma and markup, as any reporter may send.
                report(org: "Mail.ru, <b>LLC</b>", id: "m1", daysAgo: 1, records: [
                    record("192.0.2.1", 5, passing: true), record("198.51.100.7", 2, passing: false),
                ]),
            ] {
                _ = try store.storeReceivedReport(report, receipt: receipt)
            }
        }
    }

    @Test func theDomainListCountsTheReportsOfTheLast30Days() async throws {
        let server = try await Self.server()
        let answer = try server.get("/api/v1/reports-in")
        let domains = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [[String: Any]])
        #expect(domains.count == 1)
        let domain = try #require(domains.first)
        #expect(domain["domain"] as? String == "example.com")
        #expect(domain["reports"] as? Int == 2)
        #expect(domain["reporters"] as? Int == 2)
        #expect(domain["sources"] as? Int == 3)
        let counts = try #require(domain["counts"] as? [String: Any])
        #expect(counts["messages"] as? Int == 21)
        #expect(counts["dmarcPass"] as? Int == 15)
        #expect(counts["dmarcFail"] as? Int == 6)

        let html = try server.get("/reports-in").body
        #expect(html.contains("<a href=\"/reports-in/example.com\">example.com</a>"))
    }

    @Test func theDomainPageShowsWhatRejectWouldHaveRejectedAndWhichSourcesAreNew() async throws {
        let server = try await Self.server()
        let answer = try server.get("/api/v1/reports-in/example.com")
        #expect(answer.status == 200)
        let model = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        #expect(model["wouldBeRejected"] as? Int == 6)
        let failing = try #require(model["failingSources"] as? [[String: Any]])
        #expect(failing.map { $0["sourceIP"] as? String } == ["203.0.113.5", "198.51.100.7"])
        #expect(failing.first?["overrides"] as? [String: Int] == ["mailing_list": 4])
        #expect(failing.map { $0["isNew"] as? Bool } == [false, true])
        let sources = try #require(model["sources"] as? [[String: Any]])
        #expect(sources.first?["sourceIP"] as? String == "192.0.2.1")
        #expect(sources.first?["reporters"] as? [String] == ["Google", "Mail.ru, <b>LLC</b>"])
        #expect(model["policyReportedBy"] as? String == "Mail.ru, <b>LLC</b>")
        #expect((model["days"] as? [Any])?.count == 2)

        let html = try server.get("/reports-in/example.com").body
        #expect(html.contains("<strong>6</strong> messages"))
        #expect(html.contains("198.51.100.7 <span class=\"new\">new</span>"))
        #expect(html.contains("mailing_list 4"))
        #expect(html.contains("Mail.ru, &lt;b&gt;LLC&lt;/b&gt;"))
        #expect(!html.contains("<b>LLC"))
        #expect(!html.contains("198.51.100.9"))
        #expect(try server.get("/reports-in/nothing.example").body.contains("No reports about this domain"))
    }
}
