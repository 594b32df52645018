/// The tables of the aggregate reports others send us about our domains (migration 4).
///
/// One `received_report` row per report; a reporter's `report_id` is unique among its reports
/// (RFC 9990 §3.1.1.3), so `(org_name, report_id)` identifies a report and a second copy is not
/// stored. Records, their override reasons and authentication results hang below it and go with
/// it. Times are seconds since the epoch, as in the XML, except the receipt time in
/// milliseconds like `message.time_ms`.
enum ReceivedReportSchema {
    static let version4 = """
        CREATE TABLE received_report (
            id INTEGER PRIMARY KEY,
            org_name TEXT NOT NULL,
            email TEXT NOT NULL,
            extra_contact_info TEXT,
            report_id TEXT NOT NULL,
            begin_time INTEGER NOT NULL,
            end_time INTEGER NOT NULL,
            error TEXT,
            generator TEXT,
            version TEXT,
            policy_domain TEXT NOT NULL,
            policy_p TEXT CHECK (policy_p = 'none' OR policy_p = 'quarantine' OR policy_p = 'reject'),
            policy_sp TEXT CHECK (policy_sp = 'none' OR policy_sp = 'quarantine' OR policy_sp = 'reject'),
            policy_np TEXT CHECK (policy_np = 'none' OR policy_np = 'quarantine' OR policy_np = 'reject'),
            policy_adkim TEXT CHECK (policy_adkim = 'r' OR policy_adkim = 's'),
            policy_aspf TEXT CHECK (policy_aspf = 'r' OR policy_aspf = 's'),
            policy_testing INTEGER CHECK (policy_testing = 0 OR policy_testing = 1),
            policy_pct INTEGER CHECK (policy_pct BETWEEN 0 AND 100),
            policy_psd TEXT CHECK (policy_psd = 'y' OR policy_psd = 'n' OR policy_psd = 'u'),
            policy_fo TEXT,
            discovery_method TEXT CHECK (discovery_method = 'psl' OR discovery_method = 'treewalk'),
            received_time_ms INTEGER NOT NULL,
            source TEXT NOT NULL,
            raw_size INTEGER NOT NULL CHECK (raw_size >= 0),
            UNIQUE (org_name, report_id)
        );
        CREATE INDEX received_report_by_domain ON received_report(policy_domain, begin_time);
        CREATE INDEX received_report_by_end ON received_report(end_time);

        CREATE TABLE received_record (
            id INTEGER PRIMARY KEY,
            report INTEGER NOT NULL REFERENCES received_report(id) ON DELETE CASCADE,
            source_ip TEXT NOT NULL,
            count INTEGER NOT NULL CHECK (count >= 0),
            disposition TEXT NOT NULL CHECK (disposition = 'pass' OR disposition = 'none'
                OR disposition = 'quarantine' OR disposition = 'reject'),
            dkim_aligned INTEGER NOT NULL CHECK (dkim_aligned = 0 OR dkim_aligned = 1),
            spf_aligned INTEGER NOT NULL CHECK (spf_aligned = 0 OR spf_aligned = 1),
            header_from TEXT NOT NULL,
            envelope_from TEXT,
            envelope_to TEXT
        );
        CREATE INDEX received_record_by_report ON received_record(report);
        CREATE INDEX received_record_by_source_ip ON received_record(source_ip);

        CREATE TABLE received_override_reason (
            record INTEGER NOT NULL REFERENCES received_record(id) ON DELETE CASCADE,
            position INTEGER NOT NULL CHECK (position >= 0),
            type TEXT NOT NULL CHECK (type = 'local_policy' OR type = 'mailing_list' OR type = 'other'
                OR type = 'policy_test_mode' OR type = 'trusted_forwarder'),
            comment TEXT,
            PRIMARY KEY (record, position)
        ) WITHOUT ROWID;

        CREATE TABLE received_auth_result (
            record INTEGER NOT NULL REFERENCES received_record(id) ON DELETE CASCADE,
            position INTEGER NOT NULL CHECK (position >= 0),
            method TEXT NOT NULL CHECK (method = 'dkim' OR method = 'spf'),
            domain TEXT NOT NULL,
            selector TEXT CHECK (selector IS NULL OR method = 'dkim'),
            scope TEXT CHECK (scope IS NULL OR method = 'spf'),
            result TEXT NOT NULL CHECK (result = 'none' OR result = 'pass' OR result = 'fail'
                OR result = 'softfail' OR result = 'policy' OR result = 'neutral'
                OR result = 'temperror' OR result = 'permerror'),
            human_result TEXT,
            PRIMARY KEY (record, position)
        ) WITHOUT ROWID;
        """
}
