import Logging

extension Configuration {
    /// The ingest of mail to the `ReportMailbox` addresses into `DatabasePath`; nil when no
    /// address is set, and the milter then keeps no mail whole.
    func reportCaptureService(logger: Logger) -> ReportCaptureService? {
        reportMailboxes.isEmpty ? nil : ReportCaptureService(databasePath: databasePath, logger: logger)
    }
}
