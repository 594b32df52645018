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

    /// Inserts one row per group into `table`, whose columns are the earliest time, the From
    /// domain, the client and the counts in the order of ``HistorySchema/countColumns``.
    func write(_ db: Database, into table: String) throws {
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
