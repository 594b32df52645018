import GRDB

/// The counts of the records an import adds, grouped by hour, From domain and client: the rows
/// of `counted_batch` (``HistorySchema/countingAfterwards(_:insert:)``). A missing domain or
/// client is grouped as the empty text, as the count tables' keys have it.
struct ImportedCounts {
    private struct Group: Hashable {
        var hour: Int64
        var domain: String
        var client: String
    }

    private struct Counts {
        var earliestTime: Int64
        var values: [Int]

        mutating func add(_ record: HistoryRecord, time: Int64) {
            earliestTime = min(earliestTime, time)
            for (index, column) in HistorySchema.countColumns.enumerated() where column.counts(record) {
                values[index] += 1
            }
        }
    }

    private var groups: [Group: Counts] = [:]

    mutating func add(_ record: HistoryRecord) {
        let time = HistoryStore.milliseconds(record.time)
        // SQLite's integer division, as in `HistorySchema.hourKey`, truncates as Swift's does.
        let group = Group(hour: time / 3_600_000, domain: record.headerFromDomain ?? "", client: record.clientIP ?? "")
        groups[group, default: Counts(earliestTime: time, values: Array(repeating: 0, count: HistorySchema.countColumns.count))]
            .add(record, time: time)
    }

    /// Creates the temporary table `table` with one row per group: its earliest time, From
    /// domain and client, in columns named as `message` names them, then its counts, in columns
    /// named and ordered as ``HistorySchema/countColumns``.
    func writeTemporaryTable(_ db: Database, named table: String) throws {
        let countColumns = HistorySchema.countColumns.map { "\($0.name) INTEGER" }.joined(separator: ", ")
        try db.execute(sql: "CREATE TEMP TABLE \(table) (time_ms INTEGER, header_from_domain TEXT, client_ip TEXT, \(countColumns))")
        var rows = MultiRowInsert<(group: Group, counts: Counts)>(
            db, into: table, columns: 3 + HistorySchema.countColumns.count
        ) { row, binder in
            binder.bind(row.counts.earliestTime)
            binder.bind(row.group.domain)
            binder.bind(row.group.client)
            for value in row.counts.values { binder.bind(value) }
        }
        for (group, counts) in groups { try rows.append((group, counts)) }
        try rows.flush()
    }
}
