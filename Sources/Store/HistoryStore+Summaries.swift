import Auth
import Foundation
import GRDB

/// Messages counted by DMARC result, alignment and what was done with them.
public struct MessageCounts: Sendable, Hashable, Codable {
    public var messages = 0
    public var dmarcPass = 0
    public var dmarcFail = 0
    /// No DMARC policy was found for the From domain.
    public var dmarcNone = 0
    /// `temperror` and `permerror`: the checks could not decide.
    public var dmarcError = 0
    /// An SPF pass aligned with the From domain.
    public var spfAligned = 0
    /// A DKIM pass aligned with the From domain.
    public var dkimAligned = 0
    public var quarantined = 0
    public var rejected = 0

    public init() {}

    /// The sums of a count table's columns (HistorySchema.countColumns), in the order
    /// ``init(row:offset:)`` reads them.
    static let sums = HistorySchema.countColumns.map { "coalesce(sum(\($0.name)), 0)" }.joined(separator: ", ")

    init(row: Row, offset: Int) {
        messages = row[offset]
        dmarcPass = row[offset + 1]
        dmarcFail = row[offset + 2]
        dmarcNone = row[offset + 3]
        dmarcError = row[offset + 4]
        spfAligned = row[offset + 5]
        dkimAligned = row[offset + 6]
        quarantined = row[offset + 7]
        rejected = row[offset + 8]
    }
}

/// The counts of one UTC day.
public struct DailyMessageCounts: Sendable, Hashable {
    /// The day's first instant (UTC midnight).
    public var day: Date
    public var counts: MessageCounts
}

/// The counts of one From domain or one sending address over some days.
public struct KeyedMessageCounts: Sendable, Hashable {
    /// The From domain or the client's address; empty when the message had none.
    public var key: String
    public var counts: MessageCounts
}

/// The policy a domain published, as last seen on one of its messages.
public struct SeenPolicy: Sendable, Hashable {
    /// Where the record was found: the domain itself or its Organizational Domain.
    public var policyDomain: String
    public var policy: HistoryRecord.PublishedPolicy
    public var seen: Date
}

extension HistoryStore {
    /// The messages from the start of the hour that holds `since` until now.
    public func messageCounts(since: Date) throws -> MessageCounts {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT \(MessageCounts.sums) FROM message_hourly WHERE hour >= ?",
                                       arguments: [Self.hour(of: since)])!
            return MessageCounts(row: row, offset: 0)
        }
    }

    /// The counts of each UTC day from the one holding `firstDay` on that had messages, oldest
    /// first; of the From domain `domain` only when given.
    public func dailyMessageCounts(fromDay firstDay: Date, domain: String? = nil) throws -> [DailyMessageCounts] {
        try pool.read { db in
            let rows = if let domain {
                try Row.fetchAll(db, sql: """
                    SELECT day, \(MessageCounts.sums) FROM domain_daily
                    WHERE header_from_domain = ? AND day >= ? AND messages > 0 GROUP BY day ORDER BY day
                    """, arguments: [domain.lowercased(), Self.day(of: firstDay)])
            } else {
                try Row.fetchAll(db, sql: """
                    SELECT hour / 24, \(MessageCounts.sums) FROM message_hourly
                    WHERE hour >= ? AND messages > 0 GROUP BY hour / 24 ORDER BY hour / 24
                    """, arguments: [Self.day(of: firstDay) * 24])
            }
            return rows.map { row in
                DailyMessageCounts(day: Self.midnight(ofDay: row[0]), counts: MessageCounts(row: row, offset: 1))
            }
        }
    }

    /// The From domains with the most messages since the day holding `firstDay`, most first:
    /// `limit` of them after skipping `offset`.
    public func sendingDomains(fromDay firstDay: Date, limit: Int, offset: Int = 0) throws -> [KeyedMessageCounts] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT header_from_domain, \(MessageCounts.sums) FROM domain_daily WHERE day >= ?
                GROUP BY header_from_domain HAVING sum(messages) > 0 ORDER BY 2 DESC, 1 LIMIT ? OFFSET ?
                """, arguments: [Self.day(of: firstDay), max(0, limit), max(0, offset)]).map(Self.keyedCounts)
        }
    }

    /// The number of From domains with messages since the day holding `firstDay`.
    public func sendingDomainCount(fromDay firstDay: Date) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT header_from_domain) FROM domain_daily WHERE day >= ? AND messages > 0
                """, arguments: [Self.day(of: firstDay)]) ?? 0
        }
    }

    /// The sending addresses of `domain` since the day holding `firstDay`, most messages first.
    public func sendingAddresses(ofDomain domain: String, fromDay firstDay: Date, limit: Int) throws -> [KeyedMessageCounts] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT client_ip, \(MessageCounts.sums) FROM domain_source_daily
                WHERE header_from_domain = ? AND day >= ? GROUP BY client_ip HAVING sum(messages) > 0
                ORDER BY 2 DESC, 1 LIMIT ?
                """, arguments: [domain.lowercased(), Self.day(of: firstDay), max(0, limit)]).map(Self.keyedCounts)
        }
    }

    /// The sending addresses with the most DMARC failures since the day holding `firstDay`.
    public func failingAddresses(fromDay firstDay: Date, limit: Int) throws -> [KeyedMessageCounts] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT client_ip, \(MessageCounts.sums) FROM source_daily WHERE day >= ? AND dmarc_fail > 0
                GROUP BY client_ip ORDER BY 4 DESC, 2 DESC, 1 LIMIT ?
                """, arguments: [Self.day(of: firstDay), max(0, limit)]).map(Self.keyedCounts)
        }
    }

    /// The policy last seen on a message from `domain`; nil when none of its messages found one.
    public func latestPolicy(ofDomain domain: String) throws -> SeenPolicy? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(HistoryRecord.messageColumns) FROM message
                WHERE header_from_domain = ? AND policy_adkim IS NOT NULL ORDER BY time_ms DESC LIMIT 1
                """, arguments: [domain.lowercased()]) else { return nil }
            let record = try HistoryRecord(row: row)
            guard let policyDomain = record.policyDomain, let policy = record.policy else { return nil }
            return SeenPolicy(policyDomain: policyDomain, policy: policy, seen: record.time)
        }
    }

    private static func keyedCounts(_ row: Row) -> KeyedMessageCounts {
        KeyedMessageCounts(key: row[0], counts: MessageCounts(row: row, offset: 1))
    }

    /// The numbers of the UTC hour and day that hold `date`, counted from 1970-01-01 as the
    /// count tables count them.
    static func hour(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 3_600).rounded(.down))
    }

    static func day(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    static func midnight(ofDay day: Int64) -> Date {
        Date(timeIntervalSince1970: Double(day) * 86_400)
    }
}
