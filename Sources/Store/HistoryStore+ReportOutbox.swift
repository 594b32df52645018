import Foundation
import GRDB

extension HistoryStore {
    // MARK: Reporting windows

    /// The end of the latest reporting window whose reports are in the outbox; nil before the first.
    public func lastReportWindowEnd() throws -> Date? {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT max(end_ms) FROM report_window").map(Self.date)
        }
    }

    /// When the oldest message in the history was evaluated.
    public func earliestEvaluationTime() throws -> Date? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT min(time_ms) FROM message").map(Self.date) }
    }

    /// The DMARC Policy Domains that published a `rua` tag for some message evaluated from
    /// `start` (included) to `end` (excluded): those that get an aggregate report for the window
    /// (RFC 9990 §3.5).
    public func reportingPolicyDomains(from start: Date, to end: Date) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT policy_domain FROM message
                WHERE time_ms >= ? AND time_ms < ? AND policy_domain IS NOT NULL AND policy_rua IS NOT NULL
                ORDER BY policy_domain
                """, arguments: [Self.milliseconds(start), Self.milliseconds(end)])
        }
    }

    /// Every evaluation from `start` (included) to `end` (excluded) whose policy domain is
    /// `policyDomain`, oldest first, handed to `body` in pages of at most `pageSize`: a report
    /// about a domain with millions of messages never holds them all in memory.
    public func evaluations(policyDomain: String, from start: Date, to end: Date, pageSize: Int,
                            _ body: ([HistoryRecord]) throws -> Void) throws {
        var after: (time: Int64, id: Int64) = (Self.milliseconds(start), 0)
        while true {
            let page = try pool.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT \(HistoryRecord.messageColumns) FROM message
                    WHERE policy_domain = ? AND (time_ms > ? OR (time_ms = ? AND id > ?)) AND time_ms < ?
                    ORDER BY time_ms, id LIMIT ?
                    """, arguments: [policyDomain.lowercased(), after.time, after.time, after.id, Self.milliseconds(end),
                                     max(1, pageSize)])
                return try Self.records(rows, db)
            }
            guard let last = page.last else { return }
            try body(page)
            after = (Self.milliseconds(last.time), last.id ?? Int64.max)
            if page.count < pageSize { return }
        }
    }

    /// Stores the reports of the window from `start` to `end`, each with one pending delivery per
    /// destination, and marks the window done, all in one transaction. False, with nothing
    /// stored, when the window was done already: a window is reported once.
    @discardableResult
    public func closeReportWindow(from start: Date, to end: Date, reports: [NewOutboxReport], at now: Date) throws -> Bool {
        try pool.write { db in
            let begin = Self.milliseconds(start)
            guard try Int.fetchOne(db, sql: """
                SELECT count(*) FROM report_window WHERE begin_ms < ? AND end_ms > ?
                """, arguments: [Self.milliseconds(end), begin]) == 0
            else { return false }
            let created = Self.milliseconds(now)
            try db.execute(sql: "INSERT INTO report_window (begin_ms, end_ms, closed_ms, report_count) VALUES (?, ?, ?, ?)",
                           arguments: [begin, Self.milliseconds(end), created, reports.count])
            for report in reports {
                try db.execute(sql: """
                    INSERT INTO outbox_report (report_id, policy_domain, begin_ms, end_ms, created_ms, file_name,
                        message_count, file)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [report.reportID, report.policyDomain, begin, Self.milliseconds(end), created,
                                     report.fileName, report.messageCount, report.file])
                let row = db.lastInsertedRowID
                var seen = Set<String>()
                for destination in report.destinations where seen.insert(destination).inserted {
                    try db.execute(sql: """
                        INSERT INTO outbox_delivery (report, destination, state, next_attempt_ms) VALUES (?, ?, 'pending', ?)
                        """, arguments: [row, destination, created])
                }
            }
            return true
        }
    }

    // MARK: Failure reports

    /// Stores a failure report with one pending delivery per recipient, all in one transaction,
    /// due at once; returns the report's row. The recipients passed the destination check and
    /// the rate limits already, so delivery sends to them as they are.
    @discardableResult
    public func storeFailureReport(_ report: NewFailureReport, at now: Date) throws -> Int64 {
        try pool.write { db in
            let created = Self.milliseconds(now)
            let arrival = Self.milliseconds(report.arrivalDate)
            try db.execute(sql: """
                INSERT INTO outbox_report (kind, sender, report_id, policy_domain, begin_ms, end_ms, created_ms,
                    file_name, message_count, file)
                VALUES ('failure', ?, ?, ?, ?, ?, ?, ?, 1, ?)
                """, arguments: [report.sender, report.reportID, report.policyDomain, arrival, arrival, created,
                                 report.fileName, report.message])
            let row = db.lastInsertedRowID
            var seen = Set<String>()
            for recipient in report.recipients where seen.insert(recipient.lowercased()).inserted {
                try db.execute(sql: """
                    INSERT INTO outbox_delivery (report, destination, state, next_attempt_ms) VALUES (?, ?, 'pending', ?)
                    """, arguments: [row, recipient, created])
            }
            return row
        }
    }

    // MARK: Deliveries

    /// Deliveries due by `now` (pending, or retrying whose time has come), oldest report first.
    public func dueDeliveries(at now: Date, limit: Int = 1000) throws -> [DueDelivery] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.id, d.report, r.kind, r.sender, r.report_id, r.policy_domain, d.destination, d.attempts, r.created_ms,
                    (SELECT group_concat(destination, char(10)) FROM
                        (SELECT destination FROM outbox_delivery WHERE report = d.report ORDER BY id)) AS destinations
                FROM outbox_delivery d JOIN outbox_report r ON r.id = d.report
                WHERE (d.state = 'pending' OR d.state = 'retrying') AND d.next_attempt_ms <= ?
                ORDER BY d.report, d.id LIMIT ?
                """, arguments: [Self.milliseconds(now), max(0, limit)])
            return rows.map { row in
                let destinations: String = row["destinations"] ?? ""
                return DueDelivery(id: row["id"], reportRow: row["report"],
                                   kind: OutboxReport.Kind(rawValue: row["kind"]) ?? .aggregate, sender: row["sender"],
                                   reportID: row["report_id"], policyDomain: row["policy_domain"],
                                   destination: row["destination"], attempts: row["attempts"],
                                   createdAt: Self.date(row["created_ms"]),
                                   allDestinations: destinations.split(separator: "\n").map(String.init))
            }
        }
    }

    /// Records that the mail system took the delivery.
    public func markDeliverySent(_ id: Int64, at now: Date) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox_delivery SET state = 'sent', attempts = attempts + 1, sent_ms = ?, next_attempt_ms = NULL,
                    last_error = NULL WHERE id = ?
                """, arguments: [Self.milliseconds(now), id])
        }
    }

    /// Records a delivery that did not go out: `retrying` with its next attempt, or one of the
    /// final states `failed` and `suppressed`. `attempted` says whether the mail system was
    /// asked at all (a deferred or suppressed delivery was not).
    public func markDeliveryNotSent(_ id: Int64, state: OutboxReport.State, error: String, nextAttempt: Date? = nil,
                                    attempted: Bool) throws {
        precondition(state != .sent && state != .pending, "a delivery not sent is retrying, failed or suppressed")
        try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox_delivery SET state = ?, attempts = attempts + ?, last_error = ?, next_attempt_ms = ?
                WHERE id = ?
                """, arguments: [state.rawValue, attempted ? 1 : 0, error, nextAttempt.map(Self.milliseconds), id])
        }
    }

    /// Moves a due delivery to `nextAttempt` without counting an attempt, e.g. when the daily
    /// cap is reached.
    public func deferDelivery(_ id: Int64, until nextAttempt: Date) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE outbox_delivery SET next_attempt_ms = ? WHERE id = ?",
                           arguments: [Self.milliseconds(nextAttempt), id])
        }
    }

    /// The number of deliveries handed to the mail system from `start` on.
    public func sentDeliveryCount(since start: Date) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_delivery WHERE sent_ms >= ?",
                             arguments: [Self.milliseconds(start)]) ?? 0
        }
    }

    /// Deletes the reports, aggregate and failure, whose window began before `cutoff` (a failure
    /// report's is its message's arrival) and that wait for no delivery, with their deliveries;
    /// the windows stay marked done. Returns how many reports went.
    @discardableResult
    public func expireOutboxReports(olderThan cutoff: Date) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                DELETE FROM outbox_report WHERE begin_ms < ? AND NOT EXISTS (SELECT 1 FROM outbox_delivery
                    WHERE report = outbox_report.id AND (state = 'pending' OR state = 'retrying'))
                """, arguments: [Self.milliseconds(cutoff)])
            let expired = db.changesCount
            try db.execute(sql: "DELETE FROM report_suppression WHERE until_ms < ?", arguments: [Self.milliseconds(cutoff)])
            return expired
        }
    }

    // MARK: Suppressed destinations

    /// Sends no report to `address` until `until`, after it refused one for good.
    public func suppressReportDestination(_ address: String, until: Date, reason: String) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO report_suppression (address, until_ms, reason) VALUES (?, ?, ?)
                ON CONFLICT (address) DO UPDATE SET until_ms = excluded.until_ms, reason = excluded.reason
                """, arguments: [address.lowercased(), Self.milliseconds(until), reason])
        }
    }

    /// When `address` may get reports again and why not before, if it is suppressed at `now`.
    public func reportDestinationSuppression(_ address: String, at now: Date) throws -> (until: Date, reason: String)? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT until_ms, reason FROM report_suppression WHERE address = ? AND until_ms > ?
                """, arguments: [address.lowercased(), Self.milliseconds(now)])
            else { return nil }
            return (Self.date(row["until_ms"]), row["reason"])
        }
    }

    // MARK: Runs

    /// Keeps the outcome of one scheduler run, and the latest ``keptReportRuns`` only: the
    /// scheduler looks every minute, which would otherwise add half a million rows a year.
    public func recordReportRun(_ run: ReportRun) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO report_run (time_ms, built, sent, failed, error) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Self.milliseconds(run.time), run.built, run.sent, run.failed, run.error])
            try db.execute(sql: "DELETE FROM report_run WHERE id <= ?",
                           arguments: [db.lastInsertedRowID - Int64(Self.keptReportRuns)])
        }
    }

    /// How many scheduler runs the store keeps.
    public static let keptReportRuns = 1000

    /// The latest scheduler run.
    public func lastReportRun() throws -> ReportRun? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT time_ms, built, sent, failed, error FROM report_run ORDER BY id DESC LIMIT 1")
                .map { row in
                    ReportRun(time: Self.date(row["time_ms"]), built: row["built"], sent: row["sent"],
                              failed: row["failed"], error: row["error"])
                }
        }
    }

    // MARK: Reading the outbox

    /// Reports newest first, those in `state` only when given, with row numbers below `id` when
    /// given (the next page), at most `limit`.
    public func outboxReports(state: OutboxReport.State? = nil, before id: Int64? = nil,
                              limit: Int = 50) throws -> [OutboxReport] {
        try pool.read { db in
            var reports: [OutboxReport] = []
            var cursor = id
            // The overall state comes from the deliveries, so the filter applies after reading;
            // pages are read until enough reports match.
            while reports.count < limit {
                let page = try Self.outboxReports(db, before: cursor, limit: max(limit, 50))
                reports += page.filter { state == nil || $0.state == state }
                guard page.count == max(limit, 50), let last = page.last else { break }
                cursor = last.id
            }
            return Array(reports.prefix(max(0, limit)))
        }
    }

    /// The report with row number `id`.
    public func outboxReport(id: Int64) throws -> OutboxReport? {
        try pool.read { db in try Self.outboxReports(db, before: id + 1, limit: 1).first { $0.id == id } }
    }

    /// The report's stored file, byte for byte as sent: gzip XML, or a failure report's message.
    public func outboxReportFile(id: Int64) throws -> Data? {
        try pool.read { db in try Data.fetchOne(db, sql: "SELECT file FROM outbox_report WHERE id = ?", arguments: [id]) }
    }

    /// The number of deliveries in each state, every state present.
    public func outboxCounts() throws -> [OutboxReport.State: Int] {
        try pool.read { db in
            var counts = Dictionary(uniqueKeysWithValues: OutboxReport.State.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM outbox_delivery GROUP BY state") {
                if let state = OutboxReport.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    private static func outboxReports(_ db: Database, before id: Int64?, limit: Int) throws -> [OutboxReport] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, kind, report_id, policy_domain, begin_ms, end_ms, created_ms, file_name, message_count,
                length(file) AS byte_count
            FROM outbox_report WHERE id < ? ORDER BY id DESC LIMIT ?
            """, arguments: [id ?? Int64.max, limit])
        guard let newest = rows.first, let oldest = rows.last else { return [] }
        var deliveries: [Int64: [OutboxReport.Delivery]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT report, destination, state, attempts, last_error, next_attempt_ms, sent_ms FROM outbox_delivery
            WHERE report BETWEEN ? AND ? ORDER BY id
            """, arguments: [oldest["id"] as Int64, newest["id"] as Int64]) {
            let delivery = OutboxReport.Delivery(
                destination: row["destination"], state: OutboxReport.State(rawValue: row["state"]) ?? .failed,
                attempts: row["attempts"], lastError: row["last_error"],
                nextAttempt: (row["next_attempt_ms"] as Int64?).map(date), sentAt: (row["sent_ms"] as Int64?).map(date))
            deliveries[row["report"], default: []].append(delivery)
        }
        return rows.map { row in
            OutboxReport(id: row["id"], kind: OutboxReport.Kind(rawValue: row["kind"]) ?? .aggregate,
                         reportID: row["report_id"], policyDomain: row["policy_domain"],
                         begin: date(row["begin_ms"]), end: date(row["end_ms"]), createdAt: date(row["created_ms"]),
                         fileName: row["file_name"], messageCount: row["message_count"], byteCount: row["byte_count"],
                         deliveries: deliveries[row["id"]] ?? [])
        }
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
