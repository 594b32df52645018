import Logging

extension Configuration {
    /// The ingest of mail to the `ReportMailbox` addresses and in the `ReportMaildir` into
    /// `DatabasePath`; nil when neither is set, and the milter then keeps no mail whole.
    func reportCaptureService(logger: Logger) -> ReportCaptureService? {
        guard !reportMailboxes.isEmpty || reportMaildir != nil else { return nil }
        return ReportCaptureService(databasePath: databasePath, maildir: reportMaildir.map(WatchedMaildir.init),
                                    logger: logger)
    }
}
