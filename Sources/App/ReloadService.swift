import Auth
import Logging
import Milter
import ServiceLifecycle
import UnixSignals

/// Rereads the configuration on SIGHUP and applies it to new connections and messages, without
/// dropping the open ones. A configuration with errors is refused and the running one stays.
struct ReloadService: Service {
    /// Keys whose values are used only while the daemon starts: sockets are bound, the resolver,
    /// the history and the report scheduler are set up, the log level is set. A change is logged,
    /// not applied.
    static let keysAppliedAtStart: Set<String> = [
        "Socket", "UMask", "UserID", "HTTPListen", "DatabasePath", "HistoryRetention",
        "Nameservers", "DNSTimeout", "DNSSECTrustAnchorFile", "LogLevel",
        "AggregateReports", "ReportingOrganization", "ReportEmail", "ReportContactInfo", "ReportInterval",
        "ReportRetryTime", "ReportDailyLimit", "ReportCommand", "NoReportsList", "ReportURIsPerDomain",
        "ReportSMTPHost", "ReportSMTPTLS", "ReportSMTPCAFile", "ReportSMTPUser", "ReportSMTPPasswordFile",
        "FailureReports", "FailureReportsBcc", "FailureReportsOnNone", "FailureReportsSentBy",
        "FailureReportsIncludeMessage", "ReportMaildir",
    ]

    /// SIGHUP, trapped before the daemon says it is ready so that an early signal is not fatal.
    let signals: UnixSignalsSequence
    let options: ConfigurationOptions
    let running: Configuration
    let hostName: String
    let filter: DMARCMilterFilter
    /// The keys the reports sign with.
    let signingKeys: DKIMSigningKeyring
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async {
        var current = running
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.reloading()
            // Ready again also after a refused file: the daemon serves on with the running settings.
            if let reloaded = reload(replacing: current) {
                current = reloaded
                notifier.ready(status: "configuration reloaded")
            } else {
                notifier.ready(status: "configuration not reloaded (errors in the file); running settings kept")
            }
        }
    }

    /// The new configuration once applied, or nil when it was refused.
    func reload(replacing current: Configuration) -> Configuration? {
        logger.notice("SIGHUP: rereading \(options.file ?? "the built-in defaults")")
        let candidate = options.read { diagnostic in
            if diagnostic.severity == .error {
                logger.error("\(diagnostic)")
            } else {
                logger.warning("\(diagnostic)")
            }
        }
        guard let candidate else {
            logger.error("configuration not reloaded: it has errors; the running one stays")
            return nil
        }
        var settings: MilterFilterSettings
        do {
            settings = try candidate.milterFilterSettings(hostName: hostName)
        } catch {
            logger.error("configuration not reloaded: \(error); the running one stays")
            return nil
        }
        settings.signingKeys.logUnusableKeys(logger)
        // The failure report queue was sized at start for reports with or without bodies.
        settings.failureReportsIncludeMessage = running.failureReportsIncludeMessage
        filter.update(settings)
        signingKeys.replace(with: settings.signingKeys)
        let changed = ConfigurationKey.all.filter { $0.value(in: current) != $0.value(in: candidate) }.map(\.name)
        for name in changed where Self.keysAppliedAtStart.contains(name) {
            logger.warning("\(name) changed: it takes effect when dmarcd restarts")
        }
        // The milter takes the new report mailboxes at once, but the ingest behind them runs
        // only when some were set at start.
        if running.reportMailboxes.isEmpty, !candidate.reportMailboxes.isEmpty {
            logger.warning("ReportMailbox set: reports mailed there are stored once dmarcd restarts")
        }
        logger.notice("configuration and ignore lists reloaded; keys changed: \(changed.isEmpty ? "none" : changed.joined(separator: ", "))")
        return candidate
    }
}
