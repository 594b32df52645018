import Auth
import Foundation
import GRDB
import GRDBSQLite

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
/// transaction and run through SQLite's C interface: looking each statement up by its text and
/// building GRDB's `StatementArguments` from a row's 36 values took more than half of what an
/// insert cost. The DKIM signatures and recipients of the messages go in afterwards, many rows
/// to a statement (``MultiRowInsert``).
struct HistoryInsertion {
    private let db: Database
    private let message: BoundStatement

    init(_ db: Database) throws {
        self.db = db
        message = try BoundStatement(db, sql: """
            INSERT INTO message (\(HistoryRecord.messageColumns))
            VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)
    }

    /// Inserts the messages and their child rows; returns how many were added, which leaves out
    /// imported records whose key is already there.
    func insert(_ records: some Sequence<HistoryRecord>) throws -> Int {
        var signatures = MultiRowInsert<Int64, Int, String?, String?, String, Int?, String?>(
            db, into: "dkim_signature (message_id, position, domain, selector, result, key_bits, human_result)")
        var recipients = MultiRowInsert<Int64, Int, String>(db, into: "envelope_recipient (message_id, position, domain)")
        var added = 0
        for record in records {
            let policy = record.policy
            try message.run(
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
                record.overrideComment, record.fromField, record.subject, record.explanation)
            guard db.changesCount > 0 else { continue }
            added += 1
            let id = db.lastInsertedRowID
            for (position, dkim) in record.dkim.enumerated() {
                try signatures.append((id, position, dkim.domain, dkim.selector, dkim.result, dkim.keyBits, dkim.humanResult))
            }
            for (position, domain) in record.recipientDomains.enumerated() {
                try recipients.append((id, position, domain))
            }
        }
        try signatures.flush()
        try recipients.flush()
        return added
    }
}

/// Rows for one table, written by INSERT statements of ``rowsPerStatement`` rows: running a
/// statement costs more than the row it writes.
struct MultiRowInsert<each Column: DirectlyBound> {
    static var rowsPerStatement: Int { 64 }

    private let db: Database
    private let table: String
    private var rows: [(repeat each Column)] = []

    /// `table` is the table's name followed by its columns in parentheses, in the order of `Column`.
    init(_ db: Database, into table: String) {
        self.db = db
        self.table = table
        rows.reserveCapacity(Self.rowsPerStatement)
    }

    mutating func append(_ row: (repeat each Column)) throws {
        rows.append(row)
        if rows.count == Self.rowsPerStatement { try flush() }
    }

    /// Writes the rows appended since the last time.
    mutating func flush() throws {
        guard !rows.isEmpty else { return }
        let placeholders = "(" + Array(repeating: "?", count: Self.columnCount).joined(separator: ", ") + ")"
        let statement = try BoundStatement(
            cachedIn: db, sql: "INSERT INTO \(table) VALUES " + Array(repeating: placeholders, count: rows.count).joined(separator: ", "))
        try statement.run { binder in
            for row in rows {
                for value in repeat each row { binder.bind(value) }
            }
        }
        rows.removeAll(keepingCapacity: true)
    }

    private static var columnCount: Int {
        var count = 0
        for _ in repeat (each Column).self { count += 1 }
        return count
    }
}

/// A value that ``BoundStatement`` binds straight to SQLite.
protocol DirectlyBound {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32
}

extension String: DirectlyBound {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        var text = self
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), BoundStatement.copied)
            }
        }
    }
}

extension Int64: DirectlyBound {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, self)
    }
}

extension Int: DirectlyBound {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, Int64(self))
    }
}

extension Bool: DirectlyBound {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        sqlite3_bind_int(statement, index, self ? 1 : 0)
    }
}

extension Optional: DirectlyBound where Wrapped: DirectlyBound {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        switch self {
        case .some(let value): value.bind(to: statement, at: index)
        case .none: sqlite3_bind_null(statement, index)
        }
    }
}

/// One prepared statement that writes rows: binds its values itself and steps it once.
struct BoundStatement {
    /// `SQLITE_TRANSIENT`: SQLite copies a bound text before the call returns.
    static let copied = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private let statement: Statement
    private let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    /// The statement from the connection's cache, prepared when first asked for.
    init(cachedIn db: Database, sql: String) throws {
        self.db = db
        statement = try db.cachedStatement(sql: sql)
    }

    /// Runs the statement once with `values` for its parameters, in order.
    func run<each Value: DirectlyBound>(_ values: repeat each Value) throws {
        try run { binder in
            for value in repeat each values { binder.bind(value) }
        }
    }

    /// Runs the statement once with the values `bindValues` gives its binder, in order.
    func run(_ bindValues: (inout Binder) -> Void) throws {
        let handle = statement.sqliteStatement
        // The previous run's outcome has been dealt with; reset only makes the statement runnable.
        sqlite3_reset(handle)
        var binder = Binder(statement: handle)
        bindValues(&binder)
        var code = binder.code
        if code == SQLITE_OK { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
    }

    /// Binds values to a statement's parameters one after the other; after a failure it binds
    /// nothing more and keeps the failure's code.
    struct Binder {
        fileprivate let statement: SQLiteStatement
        fileprivate var index: Int32 = 0
        fileprivate(set) var code = SQLITE_OK

        mutating func bind(_ value: some DirectlyBound) {
            index += 1
            if code == SQLITE_OK { code = value.bind(to: statement, at: index) }
        }
    }
}
