/// The report outbox (RFC 9990 §3.5): which reporting windows are done, each report's exact
/// bytes, one delivery per `rua` destination, destinations suppressed after a permanent refusal,
/// and the scheduler's runs; since version 5 also failure reports (RFC 9991), one delivery per
/// `ruf` address.
///
/// A window's row and all of its reports go in by one transaction, so a window is reported
/// exactly once whatever moment the process dies at; a report is never built again, only its
/// stored bytes are sent again.
enum ReportOutboxSchema {
    static let version3 = """
        CREATE TABLE report_window (
            begin_ms INTEGER PRIMARY KEY,
            end_ms INTEGER NOT NULL CHECK (end_ms > begin_ms),
            closed_ms INTEGER NOT NULL,
            report_count INTEGER NOT NULL CHECK (report_count >= 0)
        );

        CREATE TABLE outbox_report (
            id INTEGER PRIMARY KEY,
            report_id TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            begin_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            file_name TEXT NOT NULL,
            message_count INTEGER NOT NULL CHECK (message_count >= 0),
            file BLOB NOT NULL,
            -- RFC 9990 §3.5.1: a Report-ID is unique among the reports about one domain.
            UNIQUE (policy_domain, report_id)
        );
        CREATE INDEX outbox_report_by_window ON outbox_report(begin_ms);

        CREATE TABLE outbox_delivery (
            id INTEGER PRIMARY KEY,
            report INTEGER NOT NULL REFERENCES outbox_report(id) ON DELETE CASCADE,
            destination TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state = 'pending' OR state = 'sent' OR state = 'retrying'
                OR state = 'failed' OR state = 'suppressed'),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_error TEXT,
            next_attempt_ms INTEGER,
            sent_ms INTEGER,
            CHECK ((state = 'sent') = (sent_ms IS NOT NULL)),
            UNIQUE (report, destination)
        );
        CREATE INDEX outbox_delivery_due ON outbox_delivery(next_attempt_ms)
            WHERE state = 'pending' OR state = 'retrying';
        CREATE INDEX outbox_delivery_by_sent ON outbox_delivery(sent_ms) WHERE sent_ms IS NOT NULL;

        CREATE TABLE report_suppression (
            address TEXT PRIMARY KEY,
            until_ms INTEGER NOT NULL,
            reason TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE report_run (
            id INTEGER PRIMARY KEY,
            time_ms INTEGER NOT NULL,
            built INTEGER NOT NULL,
            sent INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            error TEXT
        );
        """

    /// Failure reports (RFC 9991) join the outbox: a row's `kind` says which it is. A failure
    /// report's file is the whole MIME message as built, not gzip, its window is the reported
    /// message's arrival, and `sender` is its envelope sender (`FailureReportsSentBy`); an
    /// aggregate report goes from the report address and leaves `sender` NULL.
    static let version5 = """
        ALTER TABLE outbox_report ADD COLUMN kind TEXT NOT NULL DEFAULT 'aggregate'
            CHECK (kind = 'aggregate' OR kind = 'failure');
        ALTER TABLE outbox_report ADD COLUMN sender TEXT CHECK ((kind = 'failure') = (sender IS NOT NULL));
        """
}
