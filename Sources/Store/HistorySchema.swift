import GRDB

/// The history's tables. Each migration is DDL that stays as released: a later change is a new
/// migration, so that every database, whatever version created it, ends in the same schema.
enum HistorySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1 evaluations") { db in
            try db.execute(sql: version1)
        }
        return migrator
    }

    /// One `message` row per evaluated message; its DKIM signatures and envelope recipients in
    /// child tables that go with it. Result columns take RFC 9990's names only, so the aggregate
    /// report writer can copy them.
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
            policy_p TEXT CHECK (policy_p IN ('none', 'quarantine', 'reject')),
            policy_sp TEXT CHECK (policy_sp IN ('none', 'quarantine', 'reject')),
            policy_np TEXT CHECK (policy_np IN ('none', 'quarantine', 'reject')),
            policy_adkim TEXT CHECK (policy_adkim IN ('r', 's')),
            policy_aspf TEXT CHECK (policy_aspf IN ('r', 's')),
            policy_testing INTEGER CHECK (policy_testing IN (0, 1)),
            policy_pct INTEGER CHECK (policy_pct BETWEEN 0 AND 100),
            policy_psd TEXT CHECK (policy_psd IN ('y', 'n', 'u')),
            policy_fo TEXT,
            policy_rua TEXT,
            policy_ruf TEXT,
            discovery_method TEXT CHECK (discovery_method IN ('psl', 'treewalk')),
            spf_domain TEXT,
            spf_scope TEXT CHECK (spf_scope IN ('mfrom', 'helo')),
            spf_result TEXT CHECK (spf_result IN
                ('none', 'pass', 'fail', 'softfail', 'policy', 'neutral', 'temperror', 'permerror')),
            spf_human_result TEXT,
            spf_aligned INTEGER NOT NULL CHECK (spf_aligned IN (0, 1)),
            dkim_aligned INTEGER NOT NULL CHECK (dkim_aligned IN (0, 1)),
            arc_result TEXT CHECK (arc_result IN ('none', 'pass', 'fail')),
            dmarc_result TEXT NOT NULL CHECK (dmarc_result IN ('pass', 'fail', 'none', 'temperror', 'permerror')),
            requested_disposition TEXT NOT NULL CHECK (requested_disposition IN ('none', 'quarantine', 'reject')),
            disposition TEXT NOT NULL CHECK (disposition IN ('pass', 'none', 'quarantine', 'reject')),
            override_reason TEXT CHECK (override_reason IN
                ('local_policy', 'mailing_list', 'other', 'policy_test_mode', 'trusted_forwarder')),
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
            result TEXT NOT NULL CHECK (result IN
                ('none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror')),
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
}
