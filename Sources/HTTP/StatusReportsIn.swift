import Foundation
import Store

/// One of our domains in the aggregate reports received, as `/api/v1/reports-in` lists it.
struct ReceivedDomainModel: Encodable, Sendable {
    var domain: String
    var reports: Int
    var reporters: Int
    var sources: Int
    var counts: CountsModel

    init(_ summary: ReceivedDomainSummary) {
        domain = summary.domain
        reports = summary.reports
        reporters = summary.reporters
        sources = summary.sources
        counts = CountsModel(summary.counts)
    }
}

/// An address that sent as one of our domains, as the reports tell it.
struct ReceivedSourceModel: Encodable, Sendable {
    var sourceIP: String
    var reporters: [String]
    var counts: CountsModel
    var firstSeen: Date
    /// First seen within the last ``StatusPages/newSourceDays`` days.
    var isNew: Bool
    /// Override reasons the reporters gave, with the messages each covered.
    var overrides: [String: Int]

    init(_ source: ReceivedSource, now: Date) {
        sourceIP = source.sourceIP
        reporters = source.reporters
        counts = CountsModel(source.counts)
        firstSeen = source.firstSeen
        isNew = now.timeIntervalSince(source.firstSeen) < Double(StatusPages.newSourceDays) * 86_400
        overrides = source.overrides
    }
}

/// One of our domains over the last 30 days of reports: `/api/v1/reports-in/DOMAIN`.
struct ReceivedDomainPageModel: Encodable, Sendable {
    var domain: String
    var last30Days: CountsModel
    var days: [DayModel]
    /// The policy as the latest report quotes it, and who sent that report.
    var policy: MessageModel.Policy?
    var policyReportedBy: String?
    var sources: [ReceivedSourceModel]
    /// The messages that failed DMARC: what `p=reject` would have had receivers reject, barring
    /// their own overrides for forwarded mail.
    var wouldBeRejected: Int
    /// The sources of those messages, most failures first.
    var failingSources: [ReceivedSourceModel]
}

extension StatusPages {
    /// How recent a source's first report must be for the page to call it new.
    static let newSourceDays = 7

    func receivedDomainsModel(now: Date) throws -> [ReceivedDomainModel] {
        try history.store().receivedDomains(since: Self.chartStart(now)).map(ReceivedDomainModel.init)
    }

    func receivedDomainsPage(now: Date) throws -> String {
        let body: [String: Any?] = [
            "rows": try receivedDomainsModel(now: now).map { row -> [String: Any] in
                Self.countsView(row.counts).merging([
                    "domain": row.domain, "reports": StatusFormat.count(row.reports),
                    "reporters": StatusFormat.count(row.reporters), "sources": StatusFormat.count(row.sources),
                ]) { $1 }
            },
        ]
        return try page("reportsIn", title: "Reports in", body: body)
    }

    func receivedDomainModel(_ domain: String, now: Date) throws -> ReceivedDomainPageModel {
        let store = try history.store()
        let domain = domain.lowercased()
        let since = Self.chartStart(now)
        let days = try store.receivedDailyCounts(domain: domain, since: since)
        let sources = try store.receivedSources(domain: domain, since: since).map { ReceivedSourceModel($0, now: now) }
        let reported = try store.reportedPolicy(ofDomain: domain)
        let policy = reported.map { reported in
            let policy = reported.policy
            return MessageModel.Policy(
                domain: domain, p: policy.p?.rawValue, sp: policy.sp?.rawValue, np: policy.np?.rawValue,
                adkim: policy.adkim?.rawValue, aspf: policy.aspf?.rawValue, testing: policy.isTesting,
                pct: policy.percent, psd: policy.publicSuffix?.rawValue, rua: [],
                discovery: policy.discoveryMethod?.rawValue)
        }
        return ReceivedDomainPageModel(
            domain: domain,
            last30Days: CountsModel(days.reduce(into: MessageCounts()) { $0.add($1.counts) }),
            days: days.map(DayModel.init), policy: policy, policyReportedBy: reported?.reporter,
            sources: sources,
            wouldBeRejected: sources.reduce(0) { $0 + $1.counts.dmarcFail },
            failingSources: sources.filter { $0.counts.dmarcFail > 0 }
                .sorted { ($0.counts.dmarcFail, $1.sourceIP) > ($1.counts.dmarcFail, $0.sourceIP) })
    }

    func receivedDomainPage(_ domain: String, now: Date) throws -> String {
        let model = try receivedDomainModel(domain, now: now)
        let start = Self.chartStart(now)
        let total = model.last30Days.messages
        var body: [String: Any?] = Self.countsView(model.last30Days)
        body["domain"] = model.domain
        body["rateChart"] = Self.passRateChart(model.days, from: start,
                                               caption: "SPF, DKIM and DMARC pass rates per day reported for \(model.domain)")
        body["chart"] = Self.messagesChart(model.days, from: start, caption: "Messages per day reported for \(model.domain)")
        body["policy"] = model.policy.map { policy -> [String: Any] in
            [
                "p": policy.p ?? "?", "sp": policy.sp ?? policy.p ?? "?",
                "pct": policy.pct.map { "\($0)" } ?? "not given",
                "adkim": policy.adkim ?? "r", "aspf": policy.aspf ?? "r",
                "testing": policy.testing == true ? "yes (t=y)" : "no",
                "reporter": model.policyReportedBy ?? "?",
                "enforced": policy.p == "reject",
            ]
        }
        body["wouldBeRejected"] = StatusFormat.count(model.wouldBeRejected)
        body["wouldBeRejectedShare"] = StatusFormat.share(model.wouldBeRejected, of: total)
        body["failingSourceCount"] = StatusFormat.count(model.failingSources.count)
        body["sources"] = model.sources.map(Self.receivedSourceView)
        body["failingSources"] = model.failingSources.map(Self.receivedSourceView)
        return try page("reportsInDomain", title: "Reports about \(model.domain)", body: body)
    }

    static func receivedSourceView(_ source: ReceivedSourceModel) -> [String: Any] {
        countsView(source.counts).merging([
            "sourceIP": source.sourceIP,
            "reporters": source.reporters.joined(separator: ", "),
            "firstSeen": StatusFormat.day(source.firstSeen),
            "isNew": source.isNew,
            "overrides": source.overrides.sorted { $0.key < $1.key }
                .map { "\($0.key) \(StatusFormat.count($0.value))" }.joined(separator: ", "),
        ]) { $1 }
    }
}
