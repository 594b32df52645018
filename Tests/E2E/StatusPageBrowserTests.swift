import Auth
import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// The status page as a postmaster sees it: the built dmarcd serving a history of made-up mail,
/// each page loaded in a real headless Chromium, with a screenshot of each under
/// `.build/test-output/status-page/`.
@Suite(.serialized)
struct StatusPageBrowserTests {
    static let outputFolder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        .appendingPathComponent(".build/test-output/status-page")

    /// A message whose From display name, subject and reasons are HTML, from a domain with quotes.
    static let hostile = HistoryRecord(
        time: Date().addingTimeInterval(-120), queueID: "HOSTILE1", clientIP: "192.0.2.66", helo: "evil\"helo",
        mailFromDomain: "quo\"te.example", headerFromDomain: "quo\"te'.example", dmarcResult: .fail,
        disposition: .none, fromField: "<script>alert(1)</script> <a@quo\"te.example>",
        subject: "<img src=x onerror=alert(2)>", explanation: "DMARC fail: <script>alert(3)</script>")

    /// The built dmarcd with its status page on a free port over a history of 3,000 messages
    /// from 40 domains and the hostile one, and one aggregate report in the outbox.
    final class Site {
        let daemon: DaemonUnderTest
        let store: HistoryStore
        let baseURL: String
        let folder: URL

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-page-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let database = folder.appendingPathComponent("history.sqlite").path
            store = try HistoryStore.open(path: database)
            var history = SyntheticHistory(domains: 40, days: 29)
            try history.write(3_000, to: store)
            try store.record(StatusPageBrowserTests.hostile)
            let yesterday = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 - 86_400)
            let xml = "<?xml version=\"1.0\"?>\n<feedback><report_metadata><report_id>R-1</report_id></report_metadata></feedback>\n"
            try store.closeReportWindow(from: yesterday, to: yesterday + 86_400, reports: [
                NewOutboxReport(reportID: "R-1", policyDomain: "sender0.example", fileName: "R-1.xml.gz", messageCount: 40,
                                file: Data(try ReportCompression.gzip(Array(xml.utf8))),
                                destinations: ["mailto:dmarc@sender0.example"]),
            ], at: yesterday + 86_500)
            let received = """
                <?xml version="1.0" encoding="UTF-8"?>
                <feedback><report_metadata><org_name>Example Receiver</org_name><email>noreply@receiver.example</email>
                <report_id>in-1</report_id><date_range><begin>\(Int(yesterday.timeIntervalSince1970))</begin>
                <end>\(Int(yesterday.timeIntervalSince1970) + 86_399)</end></date_range></report_metadata>
                <policy_published><domain>sender0.example</domain><adkim>r</adkim><aspf>r</aspf><p>none</p></policy_published>
                <record><row><source_ip>192.0.2.10</source_ip><count>12</count><policy_evaluated><disposition>none</disposition>
                <dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>sender0.example</header_from></identifiers>
                <auth_results><dkim><domain>sender0.example</domain><result>pass</result></dkim>
                <spf><domain>sender0.example</domain><result>pass</result></spf></auth_results></record>
                <record><row><source_ip>203.0.113.50</source_ip><count>3</count><policy_evaluated><disposition>none</disposition>
                <dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>sender0.example</header_from></identifiers>
                <auth_results><spf><domain>forger.example</domain><result>fail</result></spf></auth_results></record>
                </feedback>
                """
            let ingested = try ReportIntake(store: store).ingest(Array(received.utf8), source: "browser test")
            guard case .stored = ingested.first else { throw TestProgram.Failure(description: "\(ingested)") }
            let httpPort = try FreePort.udpAndTCP()
            let milterPort = try FreePort.udpAndTCP()
            baseURL = "http://127.0.0.1:\(httpPort)"
            daemon = try DaemonUnderTest(configuration: [
                "Socket inet:\(milterPort)@127.0.0.1", "HTTPListen 127.0.0.1:\(httpPort)",
                "DatabasePath \(database)", "HistoryRetention 0",
            ])
            try HTTPTestClient.waitUntilAnswering(baseURL + "/healthz")
        }

        deinit {
            daemon.stop()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    struct PageResult: Decodable {
        var url: String
        var errors: [String]
        var dialogs: [String]
        var values: [String: Value]

        /// What a JavaScript expression returned: a number or a string here.
        enum Value: Decodable, Equatable {
            case number(Double)
            case text(String)
            case none

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Double.self) {
                    self = .number(number)
                } else if let text = try? container.decode(String.self) {
                    self = .text(text)
                } else {
                    self = .none
                }
            }

            var number: Int? { if case .number(let value) = self { Int(value) } else { nil } }
            var text: String? { if case .text(let value) = self { value } else { nil } }
        }
    }

    /// Loads each page in Chromium, with `evaluate`'s expressions run on it once loaded.
    static func load(_ pages: [(path: String, screenshot: String, evaluate: [String: String])],
                     from site: Site) throws -> [String: PageResult] {
        let request: [String: Any] = ["pages": pages.map { page in
            ["url": site.baseURL + page.path,
             "screenshot": outputFolder.appendingPathComponent(page.screenshot).path,
             "evaluate": page.evaluate] as [String: Any]
        }]
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("browser/check_pages.py").path
        let output = try TestProgram.run(["/usr/bin/python3", script],
                                         input: Array(try JSONSerialization.data(withJSONObject: request)))
        struct Results: Decodable { var pages: [PageResult] }
        let results = try JSONDecoder().decode(Results.self, from: Data(output))
        return Dictionary(uniqueKeysWithValues: zip(pages.map(\.path), results.pages))
    }

    static let rows = "document.querySelectorAll('table.list tbody tr:not(:has(td.empty))').length"

    @Test func everyPageLoadsWithoutErrorsAndShowsTheHistory() throws {
        let site = try Site()
        let hostileID = try #require(try site.store.evaluations(HistoryFilter(clientIP: "192.0.2.66")).first?.id)
        let reportID = try #require(try site.store.outboxReports().first?.id)
        let filtered = try site.store.evaluations(HistoryFilter(domain: "sender1.example", result: .fail), limit: 50)
        let domains = try site.store.evaluations(limit: 10_000).compactMap(\.headerFromDomain)
        let pages: [(path: String, screenshot: String, evaluate: [String: String])] = [
            ("/", "overview.png", ["rows": Self.rows, "charts": "document.querySelectorAll('svg.chart rect').length"]),
            ("/messages", "messages.png", ["rows": Self.rows]),
            ("/messages?domain=sender1.example&result=fail", "messages-filtered.png", [
                "rows": Self.rows,
                "results": "[...document.querySelectorAll('table.messages tbody tr td:nth-child(7)')].map(c => c.textContent).join(',')",
            ]),
            ("/messages/\(hostileID)", "message-hostile.png", [
                "scripts": "document.querySelectorAll('script, img').length",
                "from": "[...document.querySelectorAll('table.counts tr')].find(r => r.querySelector('th').textContent === 'From').querySelector('td').textContent",
                "explanation": "document.querySelector('pre.explanation').textContent",
            ]),
            ("/domains", "domains.png", ["rows": Self.rows]),
            ("/domains/sender0.example", "domain.png", ["rows": Self.rows, "charts": "document.querySelectorAll('svg.chart').length"]),
            ("/domains/quo%22te'.example", "domain-hostile.png", ["scripts": "document.querySelectorAll('script, img').length",
                                                                 "title": "document.querySelector('h1').textContent"]),
            ("/reports", "reports.png", ["rows": Self.rows]),
            ("/reports/\(reportID)", "report.png", ["xml": "document.querySelector('pre.xml').textContent"]),
            ("/reports-in", "reports-in.png", ["rows": Self.rows]),
            ("/reports-in/sender0.example", "reports-in-domain.png", [
                "rows": Self.rows, "charts": "document.querySelectorAll('svg.chart').length",
            ]),
        ]
        let results = try Self.load(pages, from: site)
        for (path, result) in results {
            #expect(result.errors.isEmpty, "\(path): \(result.errors)")
            #expect(result.dialogs.isEmpty, "\(path) opened a dialog: \(result.dialogs)")
            let screenshot = Self.outputFolder.appendingPathComponent(pages.first { $0.path == path }!.screenshot)
            #expect(FileManager.default.fileExists(atPath: screenshot.path), "\(path): no screenshot")
        }
        // The overview's two top-10 tables, the others a page of 50 or what there is.
        #expect(results["/"]?.values["rows"]?.number == 20)
        #expect((results["/"]?.values["charts"]?.number ?? 0) > 30)
        #expect(results["/messages"]?.values["rows"]?.number == 50)
        #expect(results["/messages?domain=sender1.example&result=fail"]?.values["rows"]?.number == filtered.count)
        #expect(!filtered.isEmpty)
        #expect(results["/messages?domain=sender1.example&result=fail"]?.values["results"]?.text
                == Array(repeating: "fail", count: filtered.count).joined(separator: ","))
        #expect(results["/domains"]?.values["rows"]?.number == min(50, Set(domains).count))
        #expect(results["/domains/sender0.example"]?.values["charts"]?.number == 2)
        #expect((results["/domains/sender0.example"]?.values["rows"]?.number ?? 0) > 0)
        // Hostile text is shown as text: no element came of it.
        let hostilePage = results["/messages/\(hostileID)"]
        #expect(hostilePage?.values["scripts"]?.number == 0)
        #expect(hostilePage?.values["from"]?.text == Self.hostile.fromField)
        #expect(hostilePage?.values["explanation"]?.text == Self.hostile.explanation)
        #expect(results["/reports"]?.values["rows"]?.number == 1)
        #expect(results["/reports/\(reportID)"]?.values["xml"]?.text?.contains("<report_id>R-1</report_id>") == true)
        #expect(results["/reports-in"]?.values["rows"]?.number == 1)
        // One source that would be rejected, and both sources.
        #expect(results["/reports-in/sender0.example"]?.values["rows"]?.number == 3)
        #expect(results["/reports-in/sender0.example"]?.values["charts"]?.number == 2)
        #expect(results["/domains/quo%22te'.example"]?.values["scripts"]?.number == 0)
        #expect(results["/domains/quo%22te'.example"]?.values["title"]?.text == "quo\"te'.example")
    }
}
