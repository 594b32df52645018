import Doctor
import Foundation
import NIOConcurrencyHelpers
import Testing

/// The "Setup" page and `/api/v1/setup`: the doctor's findings, grouped like the command's
/// output, and checked at most once per cache period however often the page is loaded.
@Suite(.serialized)
struct StatusSetupPageTests {
    static let findings = [
        Finding(.ok, "resolver.answers", domain: nil, summary: "the resolver answers (TXT example.com)"),
        Finding(.ok, "spf.record", domain: "example.com", summary: "SPF record: v=spf1 mx -all"),
        Finding(.warn, "dmarc.reports", domain: "example.com", summary: "p=none and no rua: the record does nothing anyone sees",
                why: "No reports come back.", fix: "_dmarc.example.com. IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@example.com\""),
        Finding(.error, "dkim.revoked", domain: "example.com", summary: "the key at <old>._domainkey.example.com is revoked"),
    ]

    /// A clock the test moves by hand, and how many checks ran.
    final class Probe: Sendable {
        let now = NIOLockedValueBox(ContinuousClock.now)
        let runs = NIOLockedValueBox(0)
    }

    static func server(_ probe: Probe) async throws -> StatusPageTestServer {
        let setup = CachedSetupCheck(maxAge: .seconds(300), clock: { probe.now.withLockedValue { $0 } }) {
            probe.runs.withLockedValue { $0 += 1 }
            return findings
        }
        return try await StatusPageTestServer(setup: setup) { _ in }
    }

    @Test("the JSON lists the findings per domain with the counts of errors and warnings")
    func json() async throws {
        let server = try await Self.server(Probe())
        let answer = try server.get("/api/v1/setup")
        #expect(answer.status == 200)
        let model = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        #expect(model["errors"] as? Int == 1)
        #expect(model["warnings"] as? Int == 1)
        #expect(model["checkedAt"] is String)
        let groups = try #require(model["groups"] as? [[String: Any]])
        #expect(groups.map { $0["domain"] as? String } == [nil, "example.com"])
        let findings = try #require(groups[1]["findings"] as? [[String: Any]])
        #expect(findings.map { $0["check"] as? String } == ["spf.record", "dmarc.reports", "dkim.revoked"])
        #expect(findings[1]["fix"] as? String == "_dmarc.example.com. IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@example.com\"")
    }

    @Test("the page shows each finding with its level, why and fix, escaped, under a Setup link")
    func page() async throws {
        let server = try await Self.server(Probe())
        let html = try server.get("/setup").body
        #expect(html.contains("<a href=\"/setup\" aria-current=\"page\">Setup</a>"))
        #expect(html.contains("<h2>This host</h2>"))
        #expect(html.contains("<h2>example.com</h2>"))
        #expect(html.contains("<td class=\"warn\">warn</td><td>p=none and no rua: the record does nothing anyone sees<br><small>No reports come back.</small><br><code>_dmarc.example.com. IN TXT &quot;v=DMARC1; p=none; rua=mailto:postmaster@example.com&quot;</code></td>"), "\(html)")
        #expect(html.contains("&lt;old&gt;._domainkey"))
        #expect(!html.contains("<old>"))
        #expect(try server.get("/").body.contains("<a href=\"/setup\">Setup</a>"))
    }

    @Test("loads within the cache period reuse one check; a load after it checks again")
    func cache() async throws {
        let probe = Probe()
        let server = try await Self.server(probe)
        _ = try server.get("/setup")
        _ = try server.get("/api/v1/setup")
        _ = try server.get("/setup")
        #expect(probe.runs.withLockedValue { $0 } == 1)
        probe.now.withLockedValue { $0 += .seconds(301) }
        _ = try server.get("/api/v1/setup")
        #expect(probe.runs.withLockedValue { $0 } == 2)
    }

    @Test("without domains to check the page says how to name them and the API answers 404")
    func unconfigured() async throws {
        let server = try await StatusPageTestServer { _ in }
        #expect(try server.get("/setup").body.contains("No domain to check"))
        #expect(try server.get("/api/v1/setup").status == 404)
    }
}
