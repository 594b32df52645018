import Foundation
import GRDB

/// One of our domains as the aggregate reports others sent about it tell it.
public struct ReceivedDomainSummary: Sendable, Hashable {
    public var domain: String
    public var reports: Int
    public var reporters: Int
    public var sources: Int
    public var counts: MessageCounts
}

/// One address that sent mail as one of our domains, as the reports about the domain tell it.
public struct ReceivedSource: Sendable, Hashable {
    public var sourceIP: String
    /// The organizations that reported it, by name.
    public var reporters: [String]
    public var counts: MessageCounts
    /// The start of the first report window, among those asked for, that named it.
    public var firstSeen: Date
    /// The override reasons reporters gave for its messages (RFC 9990 PolicyOverrideType), by
    /// name, with the messages each covered: `mailing_list` or `trusted_forwarder` mark mail that
    /// was forwarded rather than forged.
    public var overrides: [String: Int]
}

/// The policy a domain published, as the latest report about it quotes it.
public struct ReportedPolicy: Sendable, Hashable {
    public var policy: HistoryRecord.PublishedPolicy
    public var reporter: String
    public var windowBegin: Date
}

/// The reports' records are counted with ``MessageCounts``: a record's DMARC result is a pass
/// when SPF or DKIM passed aligned (`policy_evaluated`, RFC 9990 §3.1.1.8), a fail otherwise; a
/// report is only made for a domain with a policy, so none or error never occur; quarantined
/// and rejected count what the receiver did.
extension HistoryStore {
    /// Sums over `received_record c`, in the order ``MessageCounts/init(row:offset:)`` reads.
    static let receivedSums = """
        sum(c.count), sum(CASE WHEN c.dkim_aligned = 1 OR c.spf_aligned = 1 THEN c.count ELSE 0 END), \
        sum(CASE WHEN c.dkim_aligned = 1 OR c.spf_aligned = 1 THEN 0 ELSE c.count END), 0, 0, \
        sum(c.spf_aligned * c.count), sum(c.dkim_aligned * c.count), \
        sum(CASE WHEN c.disposition = 'quarantine' THEN c.count ELSE 0 END), \
        sum(CASE WHEN c.disposition = 'reject' THEN c.count ELSE 0 END)
        """

    /// The domains that reports received are about, for the windows ending at or after `since`,
    /// most messages first.
    public func receivedDomains(since: Date) throws -> [ReceivedDomainSummary] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.policy_domain, count(DISTINCT r.id), count(DISTINCT r.org_name), count(DISTINCT c.source_ip),
                    \(Self.receivedSums)
                FROM received_report r JOIN received_record c ON c.report = r.id
                WHERE r.end_time >= ? GROUP BY r.policy_domain ORDER BY 5 DESC, 1
                """, arguments: [Self.seconds(since)]).map { row in
                ReceivedDomainSummary(domain: row[0], reports: row[1], reporters: row[2], sources: row[3],
                                      counts: MessageCounts(row: row, offset: 4))
            }
        }
    }

    /// The reported messages of `domain` per UTC day of the report windows' start, oldest first.
    public func receivedDailyCounts(domain: String, since: Date) throws -> [DailyMessageCounts] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.begin_time / 86400, \(Self.receivedSums)
                FROM received_report r JOIN received_record c ON c.report = r.id
                WHERE r.policy_domain = ? AND r.end_time >= ? GROUP BY 1 ORDER BY 1
                """, arguments: [domain.lowercased(), Self.seconds(since)]).map { row in
                DailyMessageCounts(day: Self.midnight(ofDay: row[0]), counts: MessageCounts(row: row, offset: 1))
            }
        }
    }

    /// The addresses that sent as `domain` in the reports whose windows end at or after `since`,
    /// most messages first.
    public func receivedSources(domain: String, since: Date) throws -> [ReceivedSource] {
        try pool.read { db in
            let arguments: StatementArguments = [domain.lowercased(), Self.seconds(since)]
            // Grouped by reporter too, and merged here: an organization's name may hold any
            // character, so no separator could join the names in SQL.
            var sources: [String: ReceivedSource] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT c.source_ip, r.org_name, min(r.begin_time), \(Self.receivedSums)
                FROM received_report r JOIN received_record c ON c.report = r.id
                WHERE r.policy_domain = ? AND r.end_time >= ? GROUP BY 1, 2
                """, arguments: arguments) {
                let firstSeen = Date(timeIntervalSince1970: Double(row[2] as Int64))
                let counts = MessageCounts(row: row, offset: 3)
                let ip: String = row[0]
                var source = sources[ip] ?? ReceivedSource(sourceIP: ip, reporters: [], counts: MessageCounts(),
                                                           firstSeen: firstSeen, overrides: [:])
                source.reporters.append(row[1])
                source.counts.add(counts)
                source.firstSeen = min(source.firstSeen, firstSeen)
                sources[ip] = source
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT c.source_ip, o.type, sum(c.count)
                FROM received_report r JOIN received_record c ON c.report = r.id
                    JOIN received_override_reason o ON o.record = c.id
                WHERE r.policy_domain = ? AND r.end_time >= ? GROUP BY 1, 2
                """, arguments: arguments) {
                sources[row[0]]?.overrides[row[1]] = row[2]
            }
            return sources.values
                .map { source in
                    var source = source
                    source.reporters.sort()
                    return source
                }
                .sorted { ($0.counts.messages, $1.sourceIP) > ($1.counts.messages, $0.sourceIP) }
        }
    }

    /// The policy the latest report about `domain` quotes; nil when no report is about it.
    public func reportedPolicy(ofDomain domain: String) throws -> ReportedPolicy? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT * FROM received_report WHERE policy_domain = ? ORDER BY begin_time DESC, id DESC LIMIT 1
                """, arguments: [domain.lowercased()]) else { return nil }
            let stored = try Self.receivedReport(row, db, withRecords: false)
            return ReportedPolicy(policy: stored.report.policyPublished, reporter: stored.report.orgName,
                                  windowBegin: Date(timeIntervalSince1970: Double(stored.report.begin)))
        }
    }

    /// Seconds since the epoch as the report tables hold times; the distant past stays in range.
    static func seconds(_ date: Date) -> Int64 {
        Int64(max(date.timeIntervalSince1970, -1e15).rounded(.down))
    }
}

extension MessageCounts {
    public mutating func add(_ other: MessageCounts) {
        messages += other.messages
        dmarcPass += other.dmarcPass
        dmarcFail += other.dmarcFail
        dmarcNone += other.dmarcNone
        dmarcError += other.dmarcError
        spfAligned += other.spfAligned
        dkimAligned += other.dkimAligned
        quarantined += other.quarantined
        rejected += other.rejected
    }
}
