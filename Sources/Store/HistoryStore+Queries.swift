import Auth
import Foundation
import GRDB

extension HistoryStore {
    /// The messages that match `filter`, newest first: at most `limit`, after `position` when
    /// given (the last message of the previous page).
    public func evaluations(_ filter: HistoryFilter = HistoryFilter(), after position: HistoryPosition? = nil,
                            limit: Int = 100) throws -> [HistoryRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let since = filter.since {
            conditions.append("time_ms >= ?")
            arguments += [Self.milliseconds(since)]
        }
        if let until = filter.until {
            conditions.append("time_ms < ?")
            arguments += [Self.milliseconds(until)]
        }
        if let clientIP = filter.clientIP {
            conditions.append("client_ip = ?")
            arguments += [clientIP]
        }
        if let result = filter.result {
            conditions.append("dmarc_result = ?")
            arguments += [result.rawValue]
        }
        if let disposition = filter.disposition {
            conditions.append("disposition = ?")
            arguments += [disposition.rawValue]
        }
        if let position {
            conditions.append("(time_ms < ? OR (time_ms = ? AND id < ?))")
            arguments += [position.timeMilliseconds, position.timeMilliseconds, position.id]
        }
        // A domain matches the From domain or the policy domain. Asked as one OR, SQLite sorts
        // every message of the domain; asked apart, each walks its index newest first and stops
        // at `limit`, and the two short lists merge. The second needs only the messages whose
        // policy came from another domain, which have an index of their own.
        var domainConditions: [(String, StatementArguments)] = [("", [])]
        if let domain = filter.domain?.lowercased() {
            domainConditions = [("header_from_domain = ?", [domain]),
                                ("policy_domain = ? AND policy_domain IS NOT header_from_domain", [domain])]
        }
        return try pool.read { db in
            var rows: [Row] = []
            for (domainCondition, domainArguments) in domainConditions {
                let all = conditions + (domainCondition.isEmpty ? [] : [domainCondition])
                let whereClause = all.isEmpty ? "" : "WHERE " + all.joined(separator: " AND ")
                rows += try Row.fetchAll(db, sql: """
                    SELECT \(HistoryRecord.messageColumns) FROM message \(whereClause)
                    ORDER BY time_ms DESC, id DESC LIMIT ?
                    """, arguments: arguments + domainArguments + [max(0, limit)])
            }
            if domainConditions.count > 1 {
                rows.sort { ($0["time_ms"] as Int64, $0["id"] as Int64) > ($1["time_ms"] as Int64, $1["id"] as Int64) }
                rows = Array(rows.prefix(max(0, limit)))
            }
            return try Self.records(rows, db)
        }
    }

    /// One message by its number in the store.
    public func evaluation(id: Int64) throws -> HistoryRecord? {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT \(HistoryRecord.messageColumns) FROM message WHERE id = ?",
                                        arguments: [id])
            return try Self.records(rows, db).first
        }
    }

    /// Every evaluation from `start` (included) to `end` (excluded) whose policy domain is
    /// `policyDomain`, oldest first: the messages of one aggregate report (RFC 9990 §2.1).
    public func evaluations(policyDomain: String, from start: Date, to end: Date) throws -> [HistoryRecord] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(HistoryRecord.messageColumns) FROM message
                WHERE policy_domain = ? AND time_ms >= ? AND time_ms < ? ORDER BY time_ms, id
                """, arguments: [policyDomain.lowercased(), Self.milliseconds(start), Self.milliseconds(end)])
            return try Self.records(rows, db)
        }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The records of `rows` with their DKIM signatures and recipients, in the order of `rows`.
    static func records(_ rows: [Row], _ db: Database) throws -> [HistoryRecord] {
        var records = try rows.map(HistoryRecord.init(row:))
        guard !records.isEmpty else { return records }
        var index: [Int64: Int] = [:]
        for (offset, record) in records.enumerated() { index[record.id!] = offset }
        let ids = records.map { "\($0.id!)" }.joined(separator: ",")
        for row in try Row.fetchAll(db, sql: """
            SELECT message_id, domain, selector, result, key_bits, human_result FROM dkim_signature
            WHERE message_id IN (\(ids)) ORDER BY message_id, position
            """) {
            let signature = HistoryRecord.DKIMSignature(domain: row["domain"], selector: row["selector"],
                                                        result: row["result"], keyBits: row["key_bits"],
                                                        humanResult: row["human_result"])
            records[index[row["message_id"]]!].dkim.append(signature)
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT message_id, domain FROM envelope_recipient WHERE message_id IN (\(ids)) ORDER BY message_id, position
            """) {
            records[index[row["message_id"]]!].recipientDomains.append(row["domain"])
        }
        return records
    }
}
