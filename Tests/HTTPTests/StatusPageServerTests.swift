import Auth
import Foundation
import HTTP
import Store
import Testing
import TestSupport

/// The status page over HTTP against a real history file: what each page and API answer holds,
/// escaping, authentication and the security headers.
@Suite(.serialized)
struct StatusPageServerTests {
    /// A message whose From display name and subject are HTML, and whose domain has quotes.
    static let hostile = HistoryRecord(
        time: Date().addingTimeInterval(-60), queueID: "HOSTILE1", clientIP: "192.0.2.66", helo: "evil\"helo",
        mailFromDomain: "quo\"te.example", headerFromDomain: "quo\"te'.example", dmarcResult: .fail,
        disposition: .none, fromField: "<script>alert(1)</script> <a@quo\"te.example>",
        subject: "<img src=x onerror=alert(2)>", explanation: "DMARC fail: <b>not bold</b>")

    static func server(credentials: StatusPageSettings.Credentials? = nil) async throws -> StatusPageTestServer {
        try await StatusPageTestServer(credentials: credentials) { store in
            var history = SyntheticHistory(domains: 20, days: 29)
            try history.write(2_000, to: store)
            try store.record(hostile)
        }
    }

    @Test func everyPageAnswersWithTheSecurityHeaders() async throws {
        let server = try await Self.server()
        for path in ["/", "/messages", "/messages?result=fail", "/domains", "/domains/sender0.example", "/reports",
                     "/messages/1", "/api/v1/overview", "/api/v1/messages", "/api/v1/domains",
                     "/api/v1/domains/sender0.example", "/api/v1/messages/1", "/api/v1/health", "/metrics", "/healthz",
                     "/static/dmarcd.css", "/static/favicon.svg"] {
            let answer = try server.get(path)
            #expect(answer.status == 200, "\(path)")
            #expect(answer.headers["content-security-policy"]?.contains("default-src 'none'") == true, "\(path)")
            #expect(answer.headers["x-content-type-options"] == "nosniff", "\(path)")
        }
        #expect(try server.get("/messages/999999").status == 404)
        #expect(try server.get("/nowhere").status == 404)
    }

    @Test func textFromMailIsEscapedOnEveryPageThatShowsIt() async throws {
        let server = try await Self.server()
        let id = try #require(try server.store.evaluations(HistoryFilter(clientIP: "192.0.2.66")).first?.id)
        for path in ["/messages", "/messages/\(id)", "/domains/quo%22te'.example", "/messages?domain=quo%22te'.example"] {
            let body = try server.get(path).body
            #expect(!body.contains("<script>alert"), "\(path)")
            #expect(!body.contains("<img src=x"), "\(path)")
            #expect(!body.contains("<b>not bold"), "\(path)")
            #expect(!body.contains("quo\"te"), "\(path)")
        }
        let detail = try server.get("/messages/\(id)").body
        #expect(detail.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(detail.contains("quo&quot;te&#39;.example"))
    }

    @Test func theMessagesFilterAndPagesAgreeWithTheHistory() async throws {
        let server = try await Self.server()
        let failures = try server.store.evaluations(HistoryFilter(result: .fail), limit: 10_000)
        let answer = try server.get("/api/v1/messages?result=fail")
        let page = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        let messages = try #require(page?["messages"] as? [[String: Any]])
        #expect(messages.count == min(50, failures.count))
        #expect(messages.allSatisfy { $0["dmarc"] as? String == "fail" })
        // Following `next` walks every failure once, newest first.
        var seen = messages.compactMap { $0["id"] as? Int }
        var next = page?["next"] as? String
        while let position = next {
            let more = try JSONSerialization.jsonObject(
                with: Data(try server.get("/api/v1/messages?result=fail&after=\(position)").body.utf8)) as? [String: Any]
            seen += (more?["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            next = more?["next"] as? String
        }
        #expect(seen == failures.compactMap { $0.id.map(Int.init) })
        let html = try server.get("/messages?result=fail&domain=sender1.example").body
        let rows = html.components(separatedBy: "<tr>\n<td><a href=\"/messages/").count - 1
        let expected = try server.store.evaluations(HistoryFilter(domain: "sender1.example", result: .fail), limit: 50).count
        #expect(rows == expected)
        #expect(try server.get("/messages?result=maybe").body.contains("is not a DMARC result"))
        let unfiltered = try server.get("/messages").body
        #expect(!unfiltered.contains("class=\"problem\""))
        #expect(!unfiltered.contains(">Newest<"), "the first page links to older ones only")
        #expect(unfiltered.contains("Older →"))
    }

    @Test func theOverviewCountsAgreeWithTheHistory() async throws {
        let server = try await Self.server()
        let all = try server.store.evaluations(limit: 10_000)
        let overview = try #require(try JSONSerialization.jsonObject(
            with: Data(try server.get("/api/v1/overview").body.utf8)) as? [String: Any])
        let month = try #require(overview["last30Days"] as? [String: Any])
        #expect(month["messages"] as? Int == all.count)
        #expect(month["dmarcFail"] as? Int == all.filter { $0.dmarcResult == .fail }.count)
        #expect(month["rejected"] as? Int == all.filter { $0.disposition == .reject }.count)
        let top = try #require((overview["topDomains"] as? [[String: Any]])?.first)
        #expect(top["key"] as? String == "sender0.example")
        #expect((top["counts"] as? [String: Any])?["messages"] as? Int
                == all.filter { $0.headerFromDomain == "sender0.example" }.count)
    }

    @Test func withCredentialsEveryPageButTheHealthCheckNeedsThem() async throws {
        let hash = PasswordHash.make("s3cret", cost: 4)
        let server = try await Self.server(credentials: .init(user: "postmaster", passwordHash: hash))
        #expect(try server.get("/").status == 401)
        #expect(try server.get("/").headers["www-authenticate"]?.hasPrefix("Basic") == true)
        #expect(try server.get("/metrics").status == 401)
        #expect(try server.get("/", user: "postmaster", password: "wrong").status == 401)
        #expect(try server.get("/", user: "someone", password: "s3cret").status == 401)
        #expect(try server.get("/", user: "postmaster", password: "s3cret").status == 200)
        #expect(try server.get("/api/v1/overview", user: "postmaster", password: "s3cret").status == 200)
        #expect(try server.get("/healthz").status == 200)
    }

    @Test func theHealthCheckSaysWhyTheHistoryCannotBeWritten() async throws {
        let server = try await Self.server()
        #expect(try server.get("/healthz").body == "ok\n")
        server.changeStatus {
            $0.historyWriter.lastError = "disk I/O error"
            $0.historyWriter.lastErrorTime = Date()
        }
        let answer = try server.get("/healthz")
        #expect(answer.status == 503)
        #expect(answer.body.contains("the history cannot be written"))
        #expect(answer.body.contains("disk I/O error"))
        #expect(try server.get("/").body.contains("disk I/O error"))
    }

    @Test func aDatabaseFileNotCreatedYetIsNoProblemButAMissingFolderIs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = HistoryWriterHealth(queuedRecords: 0, queueCapacity: 10, writtenRecords: 0, droppedRecords: 0,
                                         rejectedRecords: 0, expiredRecords: 0)
        func status(_ path: String) -> DaemonStatus {
            DaemonStatus(startedAt: Date(), dnsForwarders: [], databasePath: path, historyWriter: writer)
        }
        #expect(status(folder.appendingPathComponent("new.sqlite").path).problems == [])
        let missing = folder.appendingPathComponent("gone/new.sqlite").path
        #expect(status(missing).problems == ["\(folder.path)/gone is not writable: No such file or directory"])
    }
}
