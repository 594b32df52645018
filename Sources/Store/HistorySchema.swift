import Auth
import GRDB

/// The history's tables. Each migration is DDL that stays as released: a later change is a new
/// migration, so that every database, whatever version created it, ends in the same schema.
enum HistorySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1 evaluations") { db in
            try db.execute(sql: version1)
        }
        migrator.registerMigration("2 status page") { db in
            try db.execute(sql: version2)
        }
        migrator.registerMigration("3 report outbox") { db in
            try db.execute(sql: ReportOutboxSchema.version3)
        }
        migrator.registerMigration("4 reports in") { db in
            try db.execute(sql: ReceivedReportSchema.version4)
        }
        migrator.registerMigration("5 failure reports in the outbox") { db in
            try db.execute(sql: ReportOutboxSchema.version5)
        }
        return migrator
    }

    /// One `message` row per evaluated message; its DKIM signatures and envelope recipients in
    /// child tables that go with it. Result columns take RFC 9990's names only, so the aggregate
    /// report writer can copy them. The checks spell out `=` … `OR` where `IN` would do:
    /// SQLite builds a temporary index for an `IN` list of more than two constants at every
    /// INSERT, which made each row several times dearer.
    static let version1 = """
        CREATE TABLE message (
            id INTEGER PRIMARY KEY,
            time_ms INTEGER NOT NULL,
            queue_id TEXT,
            reporter TEXT,
            import_key INTEGER,
            client_ip TEXT,
            helo TEXT,
            mail_from_domain TEXT,
            header_from_domain TEXT,
            policy_domain TEXT,
            policy_p TEXT CHECK (policy_p = 'none' OR policy_p = 'quarantine' OR policy_p = 'reject'),
            policy_sp TEXT CHECK (policy_sp = 'none' OR policy_sp = 'quarantine' OR policy_sp = 'reject'),
            policy_np TEXT CHECK (policy_np = 'none' OR policy_np = 'quarantine' OR policy_np = 'reject'),
            policy_adkim TEXT CHECK (policy_adkim IN ('r', 's')),
            policy_aspf TEXT CHECK (policy_aspf IN ('r', 's')),
            policy_testing INTEGER CHECK (policy_testing IN (0, 1)),
            policy_pct INTEGER CHECK (policy_pct BETWEEN 0 AND 100),
            policy_psd TEXT CHECK (policy_psd = 'y' OR policy_psd = 'n' OR policy_psd = 'u'),
            policy_fo TEXT,
            policy_rua TEXT,
            policy_ruf TEXT,
            discovery_method TEXT CHECK (discovery_method IN ('psl', 'treewalk')),
            spf_domain TEXT,
            spf_scope TEXT CHECK (spf_scope IN ('mfrom', 'helo')),
            spf_result TEXT CHECK (spf_result = 'none' OR spf_result = 'pass' OR spf_result = 'fail'
                OR spf_result = 'softfail' OR spf_result = 'policy' OR spf_result = 'neutral'
                OR spf_result = 'temperror' OR spf_result = 'permerror'),
            spf_human_result TEXT,
            spf_aligned INTEGER NOT NULL CHECK (spf_aligned IN (0, 1)),
            dkim_aligned INTEGER NOT NULL CHECK (dkim_aligned IN (0, 1)),
            arc_result TEXT CHECK (arc_result = 'none' OR arc_result = 'pass' OR arc_result = 'fail'),
            dmarc_result TEXT NOT NULL CHECK (dmarc_result = 'pass' OR dmarc_result = 'fail'
                OR dmarc_result = 'none' OR dmarc_result = 'temperror' OR dmarc_result = 'permerror'),
            requested_disposition TEXT NOT NULL CHECK (requested_disposition = 'none'
                OR requested_disposition = 'quarantine' OR requested_disposition = 'reject'),
            disposition TEXT NOT NULL CHECK (disposition = 'pass' OR disposition = 'none'
                OR disposition = 'quarantine' OR disposition = 'reject'),
            override_reason TEXT CHECK (override_reason = 'local_policy'
                OR override_reason = 'mailing_list' OR override_reason = 'other'
                OR override_reason = 'policy_test_mode' OR override_reason = 'trusted_forwarder'),
            override_comment TEXT,
            -- SPF is either fully recorded or not checked at all.
            CHECK ((spf_result IS NULL) = (spf_domain IS NULL) AND (spf_result IS NULL) = (spf_scope IS NULL)),
            -- A published policy was found somewhere.
            CHECK (policy_adkim IS NULL OR policy_domain IS NOT NULL),
            -- RFC 9989 §5.3.5: a pass needs an aligned pass.
            CHECK (dmarc_result <> 'pass' OR spf_aligned = 1 OR dkim_aligned = 1)
        );
        CREATE INDEX message_by_time ON message(time_ms);
        CREATE INDEX message_by_policy_domain ON message(policy_domain, time_ms);
        CREATE INDEX message_by_header_from ON message(header_from_domain, time_ms);
        CREATE UNIQUE INDEX message_by_import_key ON message(import_key) WHERE import_key IS NOT NULL;

        CREATE TABLE dkim_signature (
            message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
            position INTEGER NOT NULL CHECK (position >= 0),
            domain TEXT,
            selector TEXT,
            result TEXT NOT NULL CHECK (result = 'none' OR result = 'pass' OR result = 'fail'
                OR result = 'policy' OR result = 'neutral' OR result = 'temperror' OR result = 'permerror'),
            key_bits INTEGER CHECK (key_bits > 0),
            human_result TEXT,
            PRIMARY KEY (message_id, position)
        ) WITHOUT ROWID;

        CREATE TABLE envelope_recipient (
            message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
            position INTEGER NOT NULL CHECK (position >= 0),
            domain TEXT NOT NULL,
            PRIMARY KEY (message_id, position),
            UNIQUE (message_id, domain)
        ) WITHOUT ROWID;
        """

    /// What the status page shows and filters by. Four tables count the messages so that the
    /// overview and the domain pages add up a few thousand rows instead of a month of messages:
    /// per hour; per day and From domain; per day, From domain and client; per day and client.
    /// Each row has the same nine counts (``countColumns``). Triggers keep them exact for every
    /// way a message comes and goes: the milter, an import, retention.
    ///
    /// The DDL is built from the lists below, which are part of this released migration and
    /// stay as they are.
    static var version2: String {
        let counts = countColumns.map { "\($0.name) INTEGER NOT NULL" }.joined(separator: ", ")
        var sql = """
            ALTER TABLE message ADD COLUMN from_field TEXT;
            ALTER TABLE message ADD COLUMN subject TEXT;
            ALTER TABLE message ADD COLUMN explanation TEXT;
            CREATE INDEX message_by_client_ip ON message(client_ip, time_ms);
            CREATE INDEX message_by_inherited_policy ON message(policy_domain, time_ms)
                WHERE policy_domain IS NOT header_from_domain;

            """
        for table in countTables {
            let keys = table.keys.map(\.name)
            sql += """
                CREATE TABLE \(table.name) (\(table.keys.map { "\($0.name) \($0.type) NOT NULL" }.joined(separator: ", ")), \
                \(counts), PRIMARY KEY (\(keys.joined(separator: ", ")))) WITHOUT ROWID;
                INSERT INTO \(table.name) SELECT \(table.keys.map { $0.value("message.") }.joined(separator: ", ")), \
                \(summedCounts) \
                FROM message GROUP BY \((1...keys.count).map(String.init).joined(separator: ", "));
                CREATE TRIGGER \(table.name)_count AFTER INSERT ON message BEGIN
                    INSERT INTO \(table.name) VALUES (\(table.keys.map { $0.value("NEW.") }.joined(separator: ", ")), \
                \(countColumns.map { $0.value("NEW.") }.joined(separator: ", ")))
                    \(addingToExistingCounts);
                END;
                CREATE TRIGGER \(table.name)_uncount AFTER DELETE ON message BEGIN
                    UPDATE \(table.name) SET \(countColumns.map { "\($0.name) = \($0.name) - (\($0.value("OLD.")))" }.joined(separator: ", "))
                    WHERE \(table.keys.map { "\($0.name) = \($0.value("OLD."))" }.joined(separator: " AND "));
                END;

                """
        }
        return sql
    }

    /// The sums of the count columns over a group of `message` rows.
    static var summedCounts: String {
        countColumns.map { "sum(\($0.value("message.")))" }.joined(separator: ", ")
    }

    /// The upsert clause that adds the counts of the rows being inserted to a row already there.
    static var addingToExistingCounts: String {
        "ON CONFLICT DO UPDATE SET \(countColumns.map { "\($0.name) = \($0.name) + excluded.\($0.name)" }.joined(separator: ", "))"
    }

    /// Runs `insert`, which adds many `message` rows, with the insert triggers of the count
    /// tables set aside, then counts what it added. Measured on 100,000 rows, the four trigger
    /// upserts of each row cost six times the row itself. The triggers are dropped and recreated
    /// from their stored text within the caller's transaction, so no other connection ever sees
    /// the tables without them.
    ///
    /// `insert` adds each record it stored to the ``ImportedCounts`` it is given, which groups
    /// them by hour, From domain and client as they come: sorting the new rows for a `GROUP BY`
    /// afterwards took a tenth of an import of 100,000 records. The groups go into
    /// `counted_batch`, and each count table adds them up. Every table's key is made of these
    /// three (an hour lies within one day), and `counted_batch` names its columns as `message`
    /// does, so the keys' expressions read it as they read `message`; each group keeps its
    /// earliest time, which has the group's hour and day.
    static func countingAfterwards<T>(_ db: Database, insert: (inout ImportedCounts) throws -> T) throws -> T {
        let names = countTables.map { "'\($0.name)_count'" }.joined(separator: ", ")
        let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (\(names))")
        for trigger in triggers {
            try db.execute(sql: "DROP TRIGGER \(trigger["name"] as String)")
        }
        var counts = ImportedCounts()
        let result = try insert(&counts)
        try counts.writeTemporaryTable(db, named: "counted_batch")
        for table in countTables {
            try db.execute(sql: """
                INSERT INTO \(table.name) SELECT \(table.keys.map { $0.value("counted_batch.") }.joined(separator: ", ")), \
                \(countColumns.map { "sum(counted_batch.\($0.name))" }.joined(separator: ", ")) FROM counted_batch \
                GROUP BY \((1...table.keys.count).map(String.init).joined(separator: ", ")) \(addingToExistingCounts)
                """)
        }
        try db.execute(sql: "DROP TABLE counted_batch")
        for trigger in triggers {
            try db.execute(sql: trigger["sql"])
        }
        return result
    }

    /// Runs `insert`, which adds many `message` rows, with the table's non-unique indexes set
    /// aside (when `applies`), then builds them again from their stored text. SQLite builds an
    /// index from sorted keys in a fraction of what keeping it current costs row by row: measured
    /// on 100,000 rows, the five indexes made each insert three times dearer. Unique indexes
    /// stay, since they keep an import from adding a record twice. As with
    /// ``countingAfterwards(_:insert:)``, all of it is within the caller's transaction, so no
    /// other connection ever sees the table without its indexes.
    static func indexingAfterwards<T>(_ db: Database, when applies: Bool, insert: () throws -> T) throws -> T {
        guard applies else { return try insert() }
        let indexes = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'index' AND tbl_name = 'message' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %'
            """)
        for index in indexes {
            try db.execute(sql: "DROP INDEX \(index["name"] as String)")
        }
        let result = try insert()
        for index in indexes {
            try db.execute(sql: index["sql"])
        }
        return result
    }

    /// A column of a count table and how a `message` row (named by `row`, such as `NEW.`) gives its value.
    struct CountColumn: Sendable {
        var name: String
        var type = "INTEGER"
        var value: @Sendable (_ row: String) -> String
    }

    /// One of the counts in every row of a count table: what a `message` row (named by `row`)
    /// adds to it, for the triggers and the recounts, and whether a record adds one, for an
    /// import (``ImportedCounts``). The two say the same thing.
    struct MessageCount: Sendable {
        var name: String
        var value: @Sendable (_ row: String) -> String
        var counts: @Sendable (HistoryRecord) -> Bool
    }

    static let countColumns: [MessageCount] = [
        .init(name: "messages", value: { _ in "1" }, counts: { _ in true }),
        .init(name: "dmarc_pass", value: { "(\($0)dmarc_result = 'pass')" }, counts: { $0.dmarcResult == .pass }),
        .init(name: "dmarc_fail", value: { "(\($0)dmarc_result = 'fail')" }, counts: { $0.dmarcResult == .fail }),
        .init(name: "dmarc_none", value: { "(\($0)dmarc_result = 'none')" }, counts: { $0.dmarcResult == .none }),
        .init(name: "dmarc_error", value: { "(\($0)dmarc_result = 'temperror' OR \($0)dmarc_result = 'permerror')" },
              counts: { $0.dmarcResult == .temperror || $0.dmarcResult == .permerror }),
        .init(name: "spf_aligned", value: { "\($0)spf_aligned" }, counts: \.spfAligned),
        .init(name: "dkim_aligned", value: { "\($0)dkim_aligned" }, counts: \.dkimAligned),
        .init(name: "quarantined", value: { "(\($0)disposition = 'quarantine')" }, counts: { $0.disposition == .quarantine }),
        .init(name: "rejected", value: { "(\($0)disposition = 'reject')" }, counts: { $0.disposition == .reject }),
    ]

    static let hourKey = CountColumn(name: "hour") { "\($0)time_ms / 3600000" }
    static let dayKey = CountColumn(name: "day") { "\($0)time_ms / 86400000" }
    static let domainKey = CountColumn(name: "header_from_domain", type: "TEXT") { "coalesce(\($0)header_from_domain, '')" }
    static let clientKey = CountColumn(name: "client_ip", type: "TEXT") { "coalesce(\($0)client_ip, '')" }

    static let countTables: [(name: String, keys: [CountColumn])] = [
        ("message_hourly", [hourKey]),
        ("domain_daily", [dayKey, domainKey]),
        ("domain_source_daily", [domainKey, dayKey, clientKey]),
        ("source_daily", [dayKey, clientKey]),
    ]
}
