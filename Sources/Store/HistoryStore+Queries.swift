import Auth
import Foundation
import GRDB

extension HistoryStore {
    /// The most recent evaluations first: at most `limit`, from `since` on, where the From or
    /// policy domain is `domain`, with DMARC result `result`; nil leaves a filter out.
    public func evaluations(since: Date? = nil, domain: String? = nil, result: DMARCResult? = nil,
                            limit: Int = 100) throws -> [HistoryRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let since {
            conditions.append("time_ms >= ?")
            arguments += [Int64((since.timeIntervalSince1970 * 1000).rounded(.up))]
        }
        if let domain {
            conditions.append("(header_from_domain = ? OR policy_domain = ?)")
            arguments += [domain.lowercased(), domain.lowercased()]
        }
        if let result {
            conditions.append("dmarc_result = ?")
            arguments += [result.rawValue]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [max(0, limit)]
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(HistoryRecord.messageColumns) FROM message \(filter) ORDER BY time_ms DESC, id DESC LIMIT ?
                """, arguments: arguments)
            return try Self.records(rows, db)
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
