import Auth
import Doctor
import Foundation
import Hummingbird
import Mustache
import Store

/// The pages and their JSON twins: each reads the history, builds its model, and renders it as
/// HTML or encodes it as JSON.
struct StatusPages: Sendable {
    let history: HistoryReader
    let settings: StatusPageSettings
    let status: @Sendable () -> DaemonStatus
    /// The doctor's checks of the site for the "Setup" page; nil when there is nothing to check.
    let setup: CachedSetupCheck?
    let library: MustacheLibrary
    let hostName: String
    /// Messages on one page of the history.
    static let pageSize = 50
    /// The span of the overview's chart and of the domain pages.
    static let chartDays = 30

    init(history: HistoryReader, settings: StatusPageSettings, status: @escaping @Sendable () -> DaemonStatus,
         setup: CachedSetupCheck? = nil) throws {
        self.history = history
        self.settings = settings
        self.status = status
        self.setup = setup
        var library = MustacheLibrary()
        for (name, text) in PageTemplates.all {
            try library.register(text, named: name)
        }
        self.library = library
        hostName = ProcessInfo.processInfo.hostName
    }

    // MARK: Overview

    func overviewModel(now: Date) throws -> OverviewModel {
        let store = try history.store()
        let monthStart = Self.chartStart(now)
        func counts(days: Double) throws -> CountsModel {
            CountsModel(try store.messageCounts(since: now.addingTimeInterval(-days * 86_400)))
        }
        return OverviewModel(
            generatedAt: now,
            last24Hours: try counts(days: 1), last7Days: try counts(days: 7), last30Days: try counts(days: 30),
            days: try store.dailyMessageCounts(fromDay: monthStart).map(DayModel.init),
            topDomains: try store.sendingDomains(fromDay: monthStart, limit: 10).map(KeyedCountsModel.init),
            topFailingSources: try store.failingAddresses(fromDay: monthStart, limit: 10).map(KeyedCountsModel.init),
            health: healthModel(now: now))
    }

    func overviewPage(now: Date) throws -> String {
        let model = try overviewModel(now: now)
        let health = model.health
        let body: [String: Any?] = [
            "periods": [("Last 24 hours", model.last24Hours), ("Last 7 days", model.last7Days),
                        ("Last 30 days", model.last30Days)].map { label, counts in
                Self.countsView(counts).merging(["label": label]) { $1 }
            },
            "healthy": health.healthy,
            "problems": health.problems,
            "version": health.version,
            "uptime": StatusFormat.duration(Double(health.uptimeSeconds)),
            "dns": health.dnsForwarders.joined(separator: ", "),
            "database": health.databasePath,
            "databaseSize": ByteCountFormatter.string(fromByteCount: Int64(health.databaseBytes), countStyle: .file),
            "queue": "\(health.writerQueue) of \(health.writerQueueCapacity)",
            "lastCommit": health.lastCommit.map(StatusFormat.time) ?? "none yet",
            "lastReportRun": health.lastReportRun?.summary ?? "none yet",
            "chart": Self.messagesChart(model.days, from: Self.chartStart(now),
                                        caption: "Messages per day in the last 30 days by DMARC result"),
            "topDomains": model.topDomains.map { row in
                ["key": row.key.isEmpty ? "(none)" : row.key, "messages": StatusFormat.count(row.counts.messages),
                 "passShare": StatusFormat.share(row.counts.dmarcPass, of: row.counts.messages)]
            },
            "topFailingSources": model.topFailingSources.map { row in
                ["key": row.key.isEmpty ? "(unknown)" : row.key, "fail": StatusFormat.count(row.counts.dmarcFail),
                 "messages": StatusFormat.count(row.counts.messages)]
            },
        ]
        return try page("overview", title: "Overview", body: body)
    }

    // MARK: Messages

    /// The filter from the query, or why it cannot be read.
    static func filter(from query: [String: String]) -> (HistoryFilter, String?) {
        var filter = HistoryFilter()
        var problems: [String] = []
        if let text = query["since"], !text.isEmpty {
            if let date = day(text) { filter.since = date } else { problems.append("\"\(text)\" is not a date (YYYY-MM-DD)") }
        }
        if let text = query["until"], !text.isEmpty {
            // The whole day given is included.
            if let date = day(text) { filter.until = date.addingTimeInterval(86_400) } else {
                problems.append("\"\(text)\" is not a date (YYYY-MM-DD)")
            }
        }
        if let text = query["domain"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { filter.domain = text }
        if let text = query["ip"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { filter.clientIP = text }
        if let text = query["result"], !text.isEmpty {
            if let result = DMARCResult(rawValue: text) { filter.result = result } else {
                problems.append("\"\(text)\" is not a DMARC result")
            }
        }
        if let text = query["disposition"], !text.isEmpty {
            if let disposition = MessageEvaluation.Disposition(rawValue: text) { filter.disposition = disposition } else {
                problems.append("\"\(text)\" is not a disposition")
            }
        }
        return (filter, problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    func messageModels(query: [String: String]) throws -> (rows: [MessageModel], next: HistoryPosition?, problem: String?) {
        let store = try history.store()
        let (filter, problem) = Self.filter(from: query)
        let position = query["after"].flatMap(HistoryPosition.init)
        // One more than shown tells whether an older page exists.
        let records = try store.evaluations(filter, after: position, limit: Self.pageSize + 1)
        let shown = records.prefix(Self.pageSize)
        let next = records.count > Self.pageSize ? shown.last.map(HistoryPosition.init(of:)) : nil
        return (shown.map(MessageModel.init), next, problem)
    }

    func messagesPage(query: [String: String]) throws -> String {
        let (rows, next, problem) = try messageModels(query: query)
        let kept = query.filter { $0.key != "after" && !$0.value.isEmpty }
        func link(after position: HistoryPosition?) -> String {
            var items = kept.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            if let position { items.append(URLQueryItem(name: "after", value: position.description)) }
            var components = URLComponents()
            components.path = "/messages"
            components.queryItems = items.isEmpty ? nil : items
            return components.string ?? "/messages"
        }
        let body: [String: Any?] = [
            "since": query["since"] ?? "", "until": query["until"] ?? "", "domain": query["domain"] ?? "",
            "ip": query["ip"] ?? "",
            "results": Self.options(["pass", "fail", "none", "temperror", "permerror"], selected: query["result"]),
            "dispositions": Self.options(["pass", "none", "quarantine", "reject"], selected: query["disposition"]),
            "problem": problem,
            "rows": rows.map { message -> [String: Any] in
                [
                    "id": message.id, "time": StatusFormat.time(message.time),
                    "fromDomain": message.headerFromDomain ?? "(none)", "from": message.from ?? "",
                    "subject": message.subject ?? "", "clientIP": message.clientIP ?? "",
                    "spf": message.spf?.result ?? "–",
                    "dkim": message.dkim.contains { $0.result == "pass" } ? "pass" : (message.dkim.first?.result ?? "none"),
                    "dmarc": message.dmarc, "disposition": message.disposition,
                ]
            },
            "newest": (query["after"] != nil ? link(after: nil) : nil),
            "older": (next.map { link(after: $0) }),
        ]
        return try page("messages", title: "Messages", body: body)
    }

    func messagePage(id: Int64) throws -> String? {
        guard let message = try history.store().evaluation(id: id).map(MessageModel.init) else { return nil }
        var body: [String: Any?] = [
            "explanation": message.explanation, "time": StatusFormat.time(message.time),
            "queueID": message.queueID ?? "", "clientIP": message.clientIP ?? "", "helo": message.helo ?? "",
            "mailFromDomain": message.mailFromDomain ?? "(null sender)",
            "recipientDomains": message.recipientDomains.joined(separator: ", "),
            "from": message.from ?? "", "headerFromDomain": message.headerFromDomain,
            "subject": message.subject ?? "", "dmarc": message.dmarc,
            "spfAligned": message.spfAligned ? "yes" : "no", "dkimAligned": message.dkimAligned ? "yes" : "no",
            "requestedDisposition": message.requestedDisposition, "disposition": message.disposition,
            "overrideReason": message.overrideReason ?? "none", "overrideComment": message.overrideComment ?? "",
            "spfResult": message.spf?.result ?? "not checked",
            "spfDetail": message.spf.map { "for \($0.domain) (\($0.scope))" } ?? "",
            "arc": message.arc ?? "not checked",
            "dkim": message.dkim.map { signature -> [String: Any] in
                ["domain": signature.domain ?? "?", "selector": signature.selector ?? "?", "result": signature.result,
                 "keyBits": signature.keyBits.map { "\($0) bits" } ?? "", "reason": signature.reason ?? ""]
            },
        ]
        if let policy = message.policy {
            body["policy"] = ["domain": policy.domain, "p": policy.p ?? "?", "sp": policy.sp ?? policy.p ?? "?",
                              "adkim": policy.adkim ?? "r", "aspf": policy.aspf ?? "r", "testing": policy.testing == true]
        }
        return try page("message", title: "Message \(message.id)", body: body)
    }

    // MARK: Domains

    func domainsModel(offset: Int, now: Date) throws -> (rows: [KeyedCountsModel], total: Int) {
        let store = try history.store()
        let monthStart = Self.chartStart(now)
        return (try store.sendingDomains(fromDay: monthStart, limit: Self.pageSize, offset: offset)
                    .map(KeyedCountsModel.init),
                try store.sendingDomainCount(fromDay: monthStart))
    }

    func domainsPage(offset: Int, now: Date) throws -> String {
        let (rows, total) = try domainsModel(offset: offset, now: now)
        let body: [String: Any?] = [
            "total": StatusFormat.count(total),
            "rows": rows.map { row -> [String: Any] in
                Self.countsView(row.counts).merging(["key": row.key.isEmpty ? "(none)" : row.key]) { $1 }
            },
            "newer": (offset > 0 ? "/domains?offset=\(max(0, offset - Self.pageSize))" : nil),
            "older": (offset + Self.pageSize < total ? "/domains?offset=\(offset + Self.pageSize)" : nil),
        ]
        return try page("domains", title: "Domains", body: body)
    }

    func domainModel(_ domain: String, now: Date) throws -> DomainModel {
        let store = try history.store()
        let domain = domain.lowercased()
        let monthStart = Self.chartStart(now)
        let daily = try store.dailyMessageCounts(fromDay: monthStart, domain: domain)
        let policy = try store.latestPolicy(ofDomain: domain).map { seen in
            DomainModel.PublishedPolicy(
                policyDomain: seen.policyDomain, seen: seen.seen,
                policy: MessageModel.Policy(
                    domain: seen.policyDomain, p: seen.policy.p?.rawValue, sp: seen.policy.sp?.rawValue,
                    np: seen.policy.np?.rawValue, adkim: seen.policy.adkim?.rawValue, aspf: seen.policy.aspf?.rawValue,
                    testing: seen.policy.isTesting, pct: seen.policy.percent, psd: seen.policy.publicSuffix?.rawValue,
                    rua: seen.policy.aggregateReportURIs, discovery: seen.policy.discoveryMethod?.rawValue))
        }
        return DomainModel(
            domain: domain, last30Days: CountsModel(daily.reduce(into: MessageCounts()) { $0.add($1.counts) }),
            days: daily.map(DayModel.init), policy: policy,
            sources: try store.sendingAddresses(ofDomain: domain, fromDay: monthStart, limit: 50).map(KeyedCountsModel.init))
    }

    func domainPage(_ domain: String, now: Date) throws -> String {
        let model = try domainModel(domain, now: now)
        let monthStart = Self.chartStart(now)
        var body = Self.countsView(model.last30Days)
        body["domain"] = model.domain
        body["chart"] = Self.messagesChart(model.days, from: monthStart, caption: "Messages per day from \(model.domain)")
        body["rateChart"] = Self.passRateChart(model.days, from: monthStart,
                                               caption: "SPF, DKIM and DMARC pass rates per day for \(model.domain)")
        body["sources"] = model.sources.map { row -> [String: Any] in
            Self.countsView(row.counts).merging(["key": row.key.isEmpty ? "(unknown)" : row.key,
                                                 "domain": model.domain]) { $1 }
        }
        if let seen = model.policy {
            let policy = seen.policy
            body["policy"] = [
                "policyDomain": seen.policyDomain, "p": policy.p ?? "?", "sp": policy.sp ?? policy.p ?? "?",
                "np": policy.np ?? policy.sp ?? policy.p ?? "?", "adkim": policy.adkim ?? "r", "aspf": policy.aspf ?? "r",
                "testing": policy.testing == true ? "yes (t=y)" : "no",
                "rua": policy.rua.isEmpty ? "nowhere" : policy.rua.joined(separator: ", "),
                "seen": StatusFormat.time(seen.seen),
            ]
        }
        return try page("domain", title: model.domain, body: body)
    }

    // MARK: Health

    func healthModel(now: Date) -> HealthModel {
        let lastRun = try? history.store().lastReportRun().map(ReportRunModel.init)
        return HealthModel(status(), version: settings.version, databaseBytes: history.fileSize,
                           lastReportRun: lastRun ?? nil, now: now)
    }

    // MARK: Rendering

    /// The page `name` with `body`, inside the layout. Keys whose value is nil are left out:
    /// Mustache would take a nil inside `Any` for a value and show its sections.
    func page(_ name: String, title: String, body: [String: Any?]) throws -> String {
        guard let content = library.render(body.compactMapValues { $0 }, withTemplate: name),
              let html = library.render([
                  "title": title, "body": content, "version": settings.version, "host": hostName, name: true,
              ] as [String: Any], withTemplate: "layout")
        else { throw StatusPageError.missingTemplate(name) }
        return html
    }

    func errorPage(title: String, message: String) -> String {
        (try? page("error", title: title, body: ["message": message])) ?? message
    }

    static func countsView(_ counts: CountsModel) -> [String: Any] {
        [
            "messages": StatusFormat.count(counts.messages),
            "pass": StatusFormat.count(counts.dmarcPass), "passShare": StatusFormat.share(counts.dmarcPass, of: counts.messages),
            "fail": StatusFormat.count(counts.dmarcFail), "failShare": StatusFormat.share(counts.dmarcFail, of: counts.messages),
            "none": StatusFormat.count(counts.dmarcNone), "noneShare": StatusFormat.share(counts.dmarcNone, of: counts.messages),
            "error": StatusFormat.count(counts.dmarcError),
            "spfShare": StatusFormat.share(counts.spfAligned, of: counts.messages),
            "dkimShare": StatusFormat.share(counts.dkimAligned, of: counts.messages),
            "quarantined": StatusFormat.count(counts.quarantined), "rejected": StatusFormat.count(counts.rejected),
        ]
    }

    /// Every day of the chart's span, with zero counts where the history has none.
    static func chartDays(_ days: [DayModel], from start: Date) -> [(label: String, counts: CountsModel?)] {
        let byDay = Dictionary(days.map { ($0.day, $0.counts) }, uniquingKeysWith: { first, _ in first })
        return (0..<chartDays).map { offset in
            let label = StatusFormat.day(start.addingTimeInterval(Double(offset) * 86_400))
            return (label, byDay[label])
        }
    }

    static func messagesChart(_ days: [DayModel], from start: Date, caption: String) -> String {
        SVGChart(
            days: chartDays(days, from: start).map { day in
                let counts = day.counts
                return SVGChart.Day(label: day.label, values: [counts?.dmarcPass, counts?.dmarcFail, counts?.dmarcNone,
                                                               counts?.dmarcError].map { Double($0 ?? 0) })
            },
            series: [.init(name: "pass", cssClass: "pass"), .init(name: "fail", cssClass: "fail"),
                     .init(name: "no policy", cssClass: "none"), .init(name: "error", cssClass: "error")]
        ).stackedBars(caption: caption)
    }

    static func passRateChart(_ days: [DayModel], from start: Date, caption: String) -> String {
        SVGChart(
            days: chartDays(days, from: start).map { day in
                guard let counts = day.counts, counts.messages > 0 else { return SVGChart.Day(label: day.label, values: [-1, -1, -1]) }
                let total = Double(counts.messages)
                return SVGChart.Day(label: day.label, values: [Double(counts.dmarcPass) / total * 100,
                                                               Double(counts.spfAligned) / total * 100,
                                                               Double(counts.dkimAligned) / total * 100])
            },
            series: [.init(name: "DMARC pass", cssClass: "dmarc"), .init(name: "SPF aligned", cssClass: "spf"),
                     .init(name: "DKIM aligned", cssClass: "dkim")]
        ).percentLines(caption: caption)
    }

    static func options(_ values: [String], selected: String?) -> [[String: Any]] {
        [["value": "", "label": "any", "selected": selected == nil || selected == ""]]
            + values.map { ["value": $0, "label": $0, "selected": $0 == selected] }
    }

    /// The first UTC day of the charts and the 30-day lists: today and the 29 days before.
    static func chartStart(_ now: Date) -> Date {
        startOfDay(now).addingTimeInterval(-Double(chartDays - 1) * 86_400)
    }

    static func startOfDay(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }

    /// `YYYY-MM-DD` as the UTC midnight that starts it.
    static func day(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
    }
}

enum StatusPageError: Error, CustomStringConvertible {
    case missingTemplate(String)

    var description: String {
        switch self {
        case .missingTemplate(let name): "no template \(name)"
        }
    }
}
