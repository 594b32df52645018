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
    /// imported records whose key is already there. `added` is called with each record added.
    func insert(_ records: some Sequence<HistoryRecord>, added: (HistoryRecord) -> Void = { _ in }) throws -> Int {
        var signatures = MultiRowInsert<(id: Int64, position: Int, signature: HistoryRecord.DKIMSignature)>(
            db, into: "dkim_signature (message_id, position, domain, selector, result, key_bits, human_result)", columns: 7
        ) { row, binder in
            binder.bind(row.id)
            binder.bind(row.position)
            binder.bind(row.signature.domain)
            binder.bind(row.signature.selector)
            binder.bind(row.signature.result)
            binder.bind(row.signature.keyBits)
            binder.bind(row.signature.humanResult)
        }
        var recipients = MultiRowInsert<(id: Int64, position: Int, domain: String)>(
            db, into: "envelope_recipient (message_id, position, domain)", columns: 3
        ) { row, binder in
            binder.bind(row.id)
            binder.bind(row.position)
            binder.bind(row.domain)
        }
        var addedCount = 0
        for record in records {
            try message.run { binder in Self.bindMessage(record, to: &binder) }
            guard db.changesCount > 0 else { continue }
            addedCount += 1
            added(record)
            let id = db.lastInsertedRowID
            for (position, signature) in record.dkim.enumerated() {
                try signatures.append((id, position, signature))
            }
            for (position, domain) in record.recipientDomains.enumerated() {
                try recipients.append((id, position, domain))
            }
        }
        try signatures.flush()
        try recipients.flush()
        return addedCount
    }

    /// The values of a `message` row, in the order of ``HistoryRecord/messageColumns`` after `id`.
    private static func bindMessage(_ record: HistoryRecord, to binder: inout BoundStatement.Binder) {
        let policy = record.policy
        binder.bind(HistoryStore.milliseconds(record.time))
        binder.bind(record.queueID)
        binder.bind(record.reporter)
        binder.bind(record.importKey)
        binder.bind(record.clientIP)
        binder.bind(record.helo)
        binder.bind(record.mailFromDomain)
        binder.bind(record.headerFromDomain)
        binder.bind(record.policyDomain)
        binder.bind(policy?.p?.rawValue)
        binder.bind(policy?.sp?.rawValue)
        binder.bind(policy?.np?.rawValue)
        binder.bind(policy?.adkim?.rawValue)
        binder.bind(policy?.aspf?.rawValue)
        binder.bind(policy?.isTesting)
        binder.bind(policy?.percent)
        binder.bind(policy?.publicSuffix?.rawValue)
        binder.bind(policy?.failureReportOptions)
        binder.bind(policy.flatMap { $0.aggregateReportURIs.isEmpty ? nil : $0.aggregateReportURIs.joined(separator: ",") })
        binder.bind(policy.flatMap { $0.failureReportURIs.isEmpty ? nil : $0.failureReportURIs.joined(separator: ",") })
        binder.bind(policy?.discoveryMethod?.rawValue)
        binder.bind(record.spf?.domain)
        binder.bind(record.spf?.scope.rawValue)
        binder.bind(record.spf?.result)
        binder.bind(record.spf?.humanResult)
        binder.bind(record.spfAligned)
        binder.bind(record.dkimAligned)
        binder.bind(record.arcResult)
        binder.bind(record.dmarcResult.rawValue)
        binder.bind(record.requestedDisposition.rawValue)
        binder.bind(record.disposition.rawValue)
        binder.bind(record.overrideReason?.rawValue)
        binder.bind(record.overrideComment)
        binder.bind(record.fromField)
        binder.bind(record.subject)
        binder.bind(record.explanation)
    }
}

/// Rows for one table, written by INSERT statements of ``rowsPerStatement`` rows: running a
/// statement costs more than the row it writes.
struct MultiRowInsert<Row> {
    static var rowsPerStatement: Int { 64 }

    private let db: Database
    private let table: String
    private let columns: Int
    private let bindRow: (Row, inout BoundStatement.Binder) -> Void
    private var rows: [Row] = []

    /// `table` is the table's name followed by its `columns` columns in parentheses, in the
    /// order `bindRow` binds a row's values.
    init(_ db: Database, into table: String, columns: Int, bindRow: @escaping (Row, inout BoundStatement.Binder) -> Void) {
        self.db = db
        self.table = table
        self.columns = columns
        self.bindRow = bindRow
        rows.reserveCapacity(Self.rowsPerStatement)
    }

    mutating func append(_ row: Row) throws {
        rows.append(row)
        if rows.count == Self.rowsPerStatement { try flush() }
    }

    /// Writes the rows appended since the last time.
    mutating func flush() throws {
        guard !rows.isEmpty else { return }
        let placeholders = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        let statement = try BoundStatement(
            cachedIn: db, sql: "INSERT INTO \(table) VALUES " + Array(repeating: placeholders, count: rows.count).joined(separator: ", "))
        try statement.run { binder in
            for row in rows { bindRow(row, &binder) }
        }
        rows.removeAll(keepingCapacity: true)
    }
}

/// One prepared statement that writes rows: binds its values itself and steps it once.
///
/// The texts of a run are gathered in one buffer of the binder's, which is kept from run to run,
/// and bound where they lie there (`SQLITE_STATIC`) for the one step, instead of SQLite copying
/// each text into an allocation of its own (`SQLITE_TRANSIENT`).
struct BoundStatement {
    private let statement: Statement
    private let db: Database
    private let reused = ReusedBinder()

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    /// The statement from the connection's cache, prepared when first asked for.
    init(cachedIn db: Database, sql: String) throws {
        self.db = db
        statement = try db.cachedStatement(sql: sql)
    }

    /// Runs the statement once with the values `bindValues` gives its binder, in order.
    func run(_ bindValues: (inout Binder) -> Void) throws {
        let handle = statement.sqliteStatement
        // The previous run's outcome has been dealt with; reset only makes the statement runnable.
        sqlite3_reset(handle)
        let code = reused.run { binder in
            binder.removeAll()
            bindValues(&binder)
            return binder.bindAndStep(handle)
        }
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
    }

    private final class ReusedBinder {
        private var binder = Binder()

        func run(_ body: (inout Binder) -> Int32) -> Int32 {
            body(&binder)
        }
    }

    /// Takes the values of one run, in the order of the statement's parameters, each type by its
    /// own `sqlite3_bind_*` (no generic code between a value and SQLite).
    struct Binder {
        private enum Value {
            case null
            case integer(Int64)
            case text(Range<Int>)
        }

        private var values: [Value] = []
        private var texts: [UInt8] = []

        /// Bound for an empty text: a null pointer would bind NULL.
        private static let emptyText: StaticString = ""

        mutating func bind(_ value: String?) {
            guard var value else { return values.append(.null) }
            let start = texts.count
            value.withUTF8 { texts.append(contentsOf: $0) }
            values.append(.text(start..<texts.count))
        }

        mutating func bind(_ value: Int64?) {
            values.append(value.map(Value.integer) ?? .null)
        }

        mutating func bind(_ value: Int?) {
            bind(value.map(Int64.init))
        }

        mutating func bind(_ value: Bool?) {
            bind(value.map { $0 ? Int64(1) : 0 })
        }

        fileprivate mutating func removeAll() {
            values.removeAll(keepingCapacity: true)
            texts.removeAll(keepingCapacity: true)
        }

        /// Binds the values and steps the statement while the texts stay where they are, then
        /// unbinds them, so that the statement keeps no pointer into the buffer; the first
        /// failing call's code, or the step's.
        fileprivate func bindAndStep(_ statement: SQLiteStatement) -> Int32 {
            texts.withUnsafeBytes { texts in
                defer { sqlite3_clear_bindings(statement) }
                for (offset, value) in values.enumerated() {
                    let index = Int32(offset + 1)
                    let code = switch value {
                    case .null:
                        sqlite3_bind_null(statement, index)
                    case .integer(let number):
                        sqlite3_bind_int64(statement, index, number)
                    case .text(let range):
                        sqlite3_bind_text(
                            statement, index,
                            (range.isEmpty ? UnsafeRawPointer(Self.emptyText.utf8Start) : texts.baseAddress! + range.lowerBound)
                                .assumingMemoryBound(to: CChar.self),
                            Int32(range.count), nil)
                    }
                    guard code == SQLITE_OK else { return code }
                }
                return sqlite3_step(statement)
            }
        }
    }
}
