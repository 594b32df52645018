import Auth
import Foundation
import GRDB

extension HistoryRecord {
    static let messageColumns = """
        id, time_ms, queue_id, reporter, import_key, client_ip, helo, mail_from_domain, header_from_domain, \
        policy_domain, policy_p, policy_sp, policy_np, policy_adkim, policy_aspf, policy_testing, policy_pct, \
        policy_psd, policy_fo, policy_rua, policy_ruf, discovery_method, spf_domain, spf_scope, spf_result, \
        spf_human_result, spf_aligned, dkim_aligned, arc_result, dmarc_result, requested_disposition, disposition, \
        override_reason, override_comment, from_field, subject, explanation
        """

    /// A record from a `message` row selected with ``messageColumns``; its DKIM signatures and
    /// recipients are added by the caller.
    init(row: Row) throws {
        let column = StoredColumn(row: row, table: "message")
        var policy: PublishedPolicy?
        // Every stored policy has its alignment modes, published or default (schema CHECK).
        if row["policy_adkim"] as String? != nil {
            policy = try PublishedPolicy(column, aggregateReportURIs: Self.list(row["policy_rua"]),
                                         failureReportURIs: Self.list(row["policy_ruf"]))
        }
        var spf: SPF?
        if let domain: String = row["spf_domain"], let result: String = row["spf_result"] {
            spf = SPF(domain: domain, scope: try column.required(SPF.Scope.self, "spf_scope"), result: result,
                      humanResult: row["spf_human_result"])
        }
        self.init(
            time: Date(timeIntervalSince1970: Double(row["time_ms"] as Int64) / 1000),
            queueID: row["queue_id"], reporter: row["reporter"], clientIP: row["client_ip"], helo: row["helo"],
            mailFromDomain: row["mail_from_domain"], headerFromDomain: row["header_from_domain"],
            policyDomain: row["policy_domain"], policy: policy, spf: spf, arcResult: row["arc_result"],
            dmarcResult: try column.required(DMARCResult.self, "dmarc_result"),
            spfAligned: row["spf_aligned"], dkimAligned: row["dkim_aligned"],
            requestedDisposition: try column.required(DMARCPolicy.self, "requested_disposition"),
            disposition: try column.required(MessageEvaluation.Disposition.self, "disposition"),
            overrideReason: try column.value(MessageEvaluation.OverrideReason.self, "override_reason"),
            overrideComment: row["override_comment"],
            fromField: row["from_field"], subject: row["subject"], explanation: row["explanation"])
        id = row["id"]
        importKey = row["import_key"]
    }

    /// RFC 9989 §4.8 requires a `,` inside a URI to be percent-encoded, so the list's separator
    /// cannot occur in its elements.
    private static func list(_ text: String?) -> [String] {
        text.map { $0.split(separator: ",").map(String.init) } ?? []
    }
}

extension HistoryRecord.PublishedPolicy {
    /// The policy in the `policy_*` and `discovery_method` columns that `message` and
    /// `received_report` share.
    init(_ column: StoredColumn, aggregateReportURIs: [String] = [], failureReportURIs: [String] = []) throws {
        let row = column.row
        self.init(
            p: try column.value(DMARCPolicy.self, "policy_p"), sp: try column.value(DMARCPolicy.self, "policy_sp"),
            np: try column.value(DMARCPolicy.self, "policy_np"),
            adkim: try column.value(DMARCRecord.AlignmentMode.self, "policy_adkim"),
            aspf: try column.value(DMARCRecord.AlignmentMode.self, "policy_aspf"),
            isTesting: row["policy_testing"], percent: row["policy_pct"],
            publicSuffix: try column.value(DMARCRecord.PublicSuffixFlag.self, "policy_psd"),
            failureReportOptions: row["policy_fo"],
            aggregateReportURIs: aggregateReportURIs, failureReportURIs: failureReportURIs,
            discoveryMethod: try column.value(HistoryRecord.DiscoveryMethod.self, "discovery_method"))
    }
}

/// A fault of the database itself, such as a row this version cannot read.
public struct HistoryStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

/// The statements that insert history records, prepared once for all the records of a
/// transaction: looking each statement up by its SQL text for every record showed in an
/// import's profile as hashing and comparing that text.
struct HistoryInsertion {
    private let db: Database
    private let message: Statement
    private let signature: Statement
    private let recipient: Statement

    init(_ db: Database) throws {
        self.db = db
        message = try db.cachedStatement(sql: """
            INSERT INTO message (\(HistoryRecord.messageColumns))
            VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)
        signature = try db.cachedStatement(sql: """
            INSERT INTO dkim_signature (message_id, position, domain, selector, result, key_bits, human_result)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        recipient = try db.cachedStatement(sql: """
            INSERT INTO envelope_recipient (message_id, position, domain) VALUES (?, ?, ?)
            """)
    }

    /// Inserts the message and its child rows; false when an imported record with the same key
    /// is already there.
    func insert(_ record: HistoryRecord) throws -> Bool {
        let policy = record.policy
        let values: [(any DatabaseValueConvertible)?] = [
            Int64((record.time.timeIntervalSince1970 * 1000).rounded()), record.queueID, record.reporter,
            record.importKey, record.clientIP, record.helo, record.mailFromDomain, record.headerFromDomain,
            record.policyDomain, policy?.p?.rawValue, policy?.sp?.rawValue, policy?.np?.rawValue,
            policy?.adkim?.rawValue, policy?.aspf?.rawValue, policy?.isTesting, policy?.percent,
            policy?.publicSuffix?.rawValue, policy?.failureReportOptions,
            policy.flatMap { $0.aggregateReportURIs.isEmpty ? nil : $0.aggregateReportURIs.joined(separator: ",") },
            policy.flatMap { $0.failureReportURIs.isEmpty ? nil : $0.failureReportURIs.joined(separator: ",") },
            policy?.discoveryMethod?.rawValue,
            record.spf?.domain, record.spf?.scope.rawValue, record.spf?.result, record.spf?.humanResult,
            record.spfAligned, record.dkimAligned, record.arcResult, record.dmarcResult.rawValue,
            record.requestedDisposition.rawValue, record.disposition.rawValue, record.overrideReason?.rawValue,
            record.overrideComment, record.fromField, record.subject, record.explanation,
        ]
        try message.execute(arguments: StatementArguments(values))
        guard db.changesCount > 0 else { return false }
        let id = db.lastInsertedRowID
        for (position, dkim) in record.dkim.enumerated() {
            try signature.execute(arguments: [id, position, dkim.domain, dkim.selector, dkim.result, dkim.keyBits,
                                              dkim.humanResult])
        }
        for (position, domain) in record.recipientDomains.enumerated() {
            try recipient.execute(arguments: [id, position, domain])
        }
        return true
    }
}
