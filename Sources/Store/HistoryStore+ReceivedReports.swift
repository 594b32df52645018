import Auth
import DNS
import Foundation
import GRDB

extension HistoryStore {
    /// Stores a report we received with its records, all in one transaction, unless the same
    /// reporter's report with the same `report_id` is already stored.
    public func storeReceivedReport(_ report: ReceivedReport, receipt: ReceivedReport.Receipt) throws -> ReceivedReport.Storing {
        try pool.write { db in
            let policy = report.policyPublished
            try db.execute(sql: """
                INSERT INTO received_report (org_name, email, extra_contact_info, report_id, begin_time, end_time,
                    error, generator, version, policy_domain, policy_p, policy_sp, policy_np, policy_adkim, policy_aspf,
                    policy_testing, policy_pct, policy_psd, policy_fo, discovery_method, received_time_ms, source, raw_size)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_name, report_id) DO NOTHING
                """, arguments: [
                    report.orgName, report.email, report.extraContactInfo, report.reportID, report.begin, report.end,
                    report.error, report.generator, report.version, report.policyDomain, policy.p?.rawValue,
                    policy.sp?.rawValue, policy.np?.rawValue, policy.adkim?.rawValue, policy.aspf?.rawValue,
                    policy.isTesting, policy.percent, policy.publicSuffix?.rawValue, policy.failureReportOptions,
                    policy.discoveryMethod?.rawValue, Self.milliseconds(receipt.receivedAt), receipt.source,
                    receipt.rawSize,
                ])
            guard db.changesCount == 1 else { return .duplicate }
            let reportRow = db.lastInsertedRowID
            for record in report.records {
                try db.execute(sql: """
                    INSERT INTO received_record (report, source_ip, count, disposition, dkim_aligned, spf_aligned,
                        header_from, envelope_from, envelope_to)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        reportRow, record.sourceIP.description, record.count, record.disposition.rawValue,
                        record.dkimAligned, record.spfAligned, record.headerFrom, record.envelopeFrom, record.envelopeTo,
                    ])
                let recordRow = db.lastInsertedRowID
                for (position, reason) in record.reasons.enumerated() {
                    try db.execute(sql: "INSERT INTO received_override_reason VALUES (?, ?, ?, ?)",
                                   arguments: [recordRow, position, reason.type.rawValue, reason.comment])
                }
                let dkim = record.dkim.map { result -> StatementArguments in
                    ["dkim", result.domain, result.selector, nil, result.result.rawValue, result.humanResult]
                }
                let spf = record.spf.map { result -> StatementArguments in
                    ["spf", result.domain, nil, result.scope, result.result.rawValue, result.humanResult]
                }
                for (position, values) in (dkim + spf).enumerated() {
                    try db.execute(sql: "INSERT INTO received_auth_result VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [recordRow, position] + values)
                }
            }
            return .inserted
        }
    }

    /// The reports received about `domain` (every domain when nil) whose window ends at or after
    /// `since`, oldest first, with their records.
    public func receivedReports(domain: String? = nil, since: Date = .distantPast) throws -> [ReceivedReport.Stored] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM received_report WHERE end_time >= ? AND (? IS NULL OR policy_domain = ?)
                ORDER BY begin_time, id
                """, arguments: [Self.seconds(since), domain, domain])
            return try rows.map { try Self.receivedReport($0, db) }
        }
    }

    /// The number of reports received.
    public func receivedReportCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM received_report") ?? 0 }
    }

    /// The report of a `received_report` row, with its records unless `withRecords` is false.
    static func receivedReport(_ row: Row, _ db: Database, withRecords: Bool = true) throws -> ReceivedReport.Stored {
        let id: Int64 = row["id"]
        let records = withRecords
            ? try Row.fetchAll(db, sql: "SELECT * FROM received_record WHERE report = ? ORDER BY id",
                               arguments: [id]).map { try receivedRecord($0, db) }
            : []
        let column = StoredColumn(row: row, table: "received_report")
        let policy = try HistoryRecord.PublishedPolicy(column)
        let report = ReceivedReport(
            orgName: row["org_name"], email: row["email"], extraContactInfo: row["extra_contact_info"],
            reportID: row["report_id"], begin: row["begin_time"], end: row["end_time"], error: row["error"],
            generator: row["generator"], version: row["version"], policyDomain: row["policy_domain"],
            policyPublished: policy, records: records)
        let receipt = ReceivedReport.Receipt(
            source: row["source"], receivedAt: Date(timeIntervalSince1970: Double(row["received_time_ms"] as Int64) / 1000),
            rawSize: row["raw_size"])
        return ReceivedReport.Stored(report: report, receipt: receipt)
    }

    private static func receivedRecord(_ row: Row, _ db: Database) throws -> ReceivedReport.Record {
        let id: Int64 = row["id"]
        let column = StoredColumn(row: row, table: "received_record")
        let reasons = try Row.fetchAll(db, sql: "SELECT * FROM received_override_reason WHERE record = ? ORDER BY position",
                                       arguments: [id]).map { reason -> ReceivedReport.Record.Reason in
            let column = StoredColumn(row: reason, table: "received_override_reason")
            return .init(type: try column.required(MessageEvaluation.OverrideReason.self, "type"), comment: reason["comment"])
        }
        var dkim: [ReceivedReport.Record.DKIMResult] = []
        var spf: [ReceivedReport.Record.SPFResult] = []
        for result in try Row.fetchAll(db, sql: "SELECT * FROM received_auth_result WHERE record = ? ORDER BY position",
                                       arguments: [id]) {
            let value = try StoredColumn(row: result, table: "received_auth_result").required(DMARCAuthResult.self, "result")
            if result["method"] as String == "dkim" {
                dkim.append(.init(domain: result["domain"], selector: result["selector"], result: value,
                                  humanResult: result["human_result"]))
            } else {
                spf.append(.init(domain: result["domain"], scope: result["scope"], result: value,
                                 humanResult: result["human_result"]))
            }
        }
        let sourceText: String = row["source_ip"]
        guard let sourceIP = IPAddress(sourceText) else {
            throw HistoryStoreError(description: "received_record \(id): source_ip \"\(sourceText)\" is not an IP address")
        }
        return ReceivedReport.Record(
            sourceIP: sourceIP, count: row["count"],
            disposition: try column.required(MessageEvaluation.Disposition.self, "disposition"),
            dkimAligned: row["dkim_aligned"], spfAligned: row["spf_aligned"], reasons: reasons,
            headerFrom: row["header_from"], envelopeFrom: row["envelope_from"], envelopeTo: row["envelope_to"],
            dkim: dkim, spf: spf)
    }
}

/// Reads the RFC names a row holds back into their types; the schema's CHECKs admit only names
/// the types know, so a failure means a damaged file, and the error says where.
struct StoredColumn {
    let row: Row
    let table: String

    func value<T: RawRepresentable>(_ type: T.Type, _ column: String) throws -> T? where T.RawValue == String {
        guard let text: String = row[column] else { return nil }
        guard let value = T(rawValue: text) else {
            throw HistoryStoreError(description: "\(table) \(row["id"] as Int64? ?? 0): unknown \(column) \"\(text)\"")
        }
        return value
    }

    func required<T: RawRepresentable>(_ type: T.Type, _ column: String) throws -> T where T.RawValue == String {
        guard let value = try value(type, column) else {
            throw HistoryStoreError(description: "\(table) \(row["id"] as Int64? ?? 0): no \(column)")
        }
        return value
    }
}
