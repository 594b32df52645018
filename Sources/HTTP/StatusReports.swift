import Foundation
import Reporter
import Store

/// One report of the outbox, aggregate or failure, as `/api/v1/reports` returns it.
struct ReportModel: Encodable, Sendable {
    struct Delivery: Encodable, Sendable {
        var destination: String
        var state: String
        var attempts: Int
        var lastError: String?
        var nextAttempt: Date?
        var sentAt: Date?
    }

    var id: Int64
    /// `aggregate` or `failure`.
    var kind: String
    var reportID: String
    var policyDomain: String
    var begin: Date
    var end: Date
    var createdAt: Date
    var fileName: String
    var messages: Int
    var bytes: Int
    var state: String
    var deliveries: [Delivery]

    init(_ report: OutboxReport) {
        id = report.id
        kind = report.kind.rawValue
        reportID = report.reportID
        policyDomain = report.policyDomain
        begin = report.begin
        end = report.end
        createdAt = report.createdAt
        fileName = report.fileName
        messages = report.messageCount
        bytes = report.byteCount
        state = report.state.rawValue
        deliveries = report.deliveries.map {
            Delivery(destination: $0.destination, state: $0.state.rawValue, attempts: $0.attempts,
                     lastError: $0.lastError, nextAttempt: $0.nextAttempt, sentAt: $0.sentAt)
        }
    }

    var isFailure: Bool { kind == OutboxReport.Kind.failure.rawValue }

    /// The reporting window, or when the reported message arrived.
    var window: String {
        isFailure ? "arrived \(StatusFormat.time(begin))" : "\(StatusFormat.time(begin)) – \(StatusFormat.time(end))"
    }
}

/// The last run of the report scheduler.
struct ReportRunModel: Encodable, Sendable {
    var time: Date
    var built: Int
    var sent: Int
    var failed: Int
    var error: String?

    init(_ run: ReportRun) {
        time = run.time
        built = run.built
        sent = run.sent
        failed = run.failed
        error = run.error
    }

    /// `2026-11-29 00:05:00 UTC: 12 built, 12 sent`, for the health card.
    var summary: String {
        var text = "\(StatusFormat.time(time)): \(built) built, \(sent) sent"
        if failed > 0 { text += ", \(failed) failed" }
        if let error { text += " (\(error))" }
        return text
    }
}

/// A page of the outbox: deliveries counted by state, the last run, and the reports.
struct ReportsPageModel: Encodable, Sendable {
    var deliveries: [String: Int]
    var lastRun: ReportRunModel?
    var reports: [ReportModel]
    /// Pass as `before=` for the next, older page.
    var next: Int64?
}

extension StatusPages {
    /// The largest report shown as text on its page; the download has all of it.
    static let largestPreview = 2 << 20

    func reportsModel(query: [String: String]) throws -> ReportsPageModel {
        let store = try history.store()
        let state = query["state"].flatMap(OutboxReport.State.init(rawValue:))
        let before = query["before"].flatMap { Int64($0) }
        let reports = try store.outboxReports(state: state, before: before, limit: Self.pageSize + 1)
        let shown = reports.prefix(Self.pageSize)
        return ReportsPageModel(
            deliveries: Dictionary(uniqueKeysWithValues: try store.outboxCounts().map { ($0.key.rawValue, $0.value) }),
            lastRun: try store.lastReportRun().map(ReportRunModel.init),
            reports: shown.map(ReportModel.init),
            next: reports.count > Self.pageSize ? shown.last?.id : nil)
    }

    func reportsPage(query: [String: String]) throws -> String {
        let model = try reportsModel(query: query)
        let selected = query["state"] ?? ""
        let body: [String: Any?] = [
            "lastRun": model.lastRun?.summary ?? "none yet",
            "states": ([""] + OutboxReport.State.allCases.map(\.rawValue)).map { state -> [String: Any] in
                let count = state.isEmpty ? model.deliveries.values.reduce(0, +) : model.deliveries[state] ?? 0
                return ["state": state, "label": state.isEmpty ? "all" : state, "count": StatusFormat.count(count),
                        "selected": state == selected]
            },
            "rows": model.reports.map { report -> [String: Any] in
                [
                    "id": report.id, "kind": report.kind, "policyDomain": report.policyDomain, "reportID": report.reportID,
                    "window": report.window,
                    "messages": StatusFormat.count(report.messages), "size": Self.size(report.bytes),
                    "state": report.state,
                    "deliveries": report.deliveries.map(Self.deliveryView),
                ]
            },
            "older": (model.next.map { "/reports?" + (selected.isEmpty ? "" : "state=\(selected)&") + "before=\($0)" }),
        ]
        return try page("reports", title: "Reports out", body: body)
    }

    /// The report's page: its deliveries and its content, the XML unpacked from an aggregate
    /// report's gzip file or a failure report's message as stored, both shown as text.
    func reportPage(id: Int64) throws -> String? {
        let store = try history.store()
        guard let report = try store.outboxReport(id: id).map(ReportModel.init) else { return nil }
        var content = "(the stored file is missing)"
        if let file = try store.outboxReportFile(id: id) {
            if report.isFailure {
                content = String(decoding: file.prefix(Self.largestPreview), as: UTF8.self)
                if file.count > Self.largestPreview { content += "\n(cut short here; download the file)" }
            } else {
                do {
                    let bytes = try ReportCompression.gunzip(Array(file), maximumSize: Self.largestPreview)
                    content = String(decoding: bytes, as: UTF8.self)
                } catch {
                    content = "(not shown: \(error); download the file)"
                }
            }
        }
        let body: [String: Any?] = [
            "id": report.id, "kind": report.kind, "policyDomain": report.policyDomain, "reportID": report.reportID,
            "windowLabel": report.isFailure ? "Message" : "Window", "window": report.window,
            "created": StatusFormat.time(report.createdAt), "fileName": report.fileName,
            "messages": StatusFormat.count(report.messages), "size": Self.size(report.bytes), "state": report.state,
            "deliveries": report.deliveries.map(Self.deliveryView),
            "contentTitle": report.isFailure ? "Message" : "XML", "content": content,
        ]
        let title = report.isFailure ? "Failure report \(report.reportID)" : "Report \(report.reportID)"
        return try page("report", title: title, body: body)
    }

    static func deliveryView(_ delivery: ReportModel.Delivery) -> [String: Any] {
        var when = ""
        if let sent = delivery.sentAt {
            when = "sent \(StatusFormat.time(sent))"
        } else if let next = delivery.nextAttempt {
            when = "next try \(StatusFormat.time(next))"
        }
        return ["destination": delivery.destination, "state": delivery.state, "attempts": delivery.attempts,
                "when": when, "error": delivery.lastError ?? ""]
    }

    static func size(_ bytes: Int) -> String {
        ByteCountFormatter.string(fromByteCount: Int64(bytes), countStyle: .file)
    }
}
