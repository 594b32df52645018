import Auth
import DNS
import Foundation
import HTTP
import Logging
import Metrics
import Milter
import Prometheus
import Reporter
import ServiceLifecycle
import Store
import UnixSignals

/// The running daemon: every long-lived part as a service of one group, started together and
/// stopped together on SIGTERM or SIGINT.
struct Daemon {
    /// How long open milter connections may take to finish after SIGTERM before they are cut;
    /// Postfix keeps one per SMTP session, so this bounds the wait for slow clients.
    static let shutdownGracePeriod: Duration = .seconds(10)

    let configuration: Configuration
    /// Where the configuration came from, read again on SIGHUP.
    let options: ConfigurationOptions
    let logger: Logger

    func run() async throws {
        let startedAt = Date()
        let metrics = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: metrics)
        // From a cached answer to a DNS deadline: verdicts take milliseconds unless a lookup waits.
        metricsFactory.defaultDurationHistogramBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
            .map { Duration.milliseconds($0) }
        MetricsSystem.bootstrap(metricsFactory)
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let hostName = ProcessInfo.processInfo.hostName
        let resolver = try UnboundResolver(options: configuration.resolverOptions)
        let settings = try configuration.milterFilterSettings(hostName: hostName)
        settings.signingKeys.logUnusableKeys(logger)
        // The reports sign with the keys the milter read, and a SIGHUP replaces both at once.
        let signingKeys = DKIMSigningKeyring(settings.signingKeys)
        // The database opens when the history service starts, after the account switch below,
        // so that its files belong to the account dmarcd runs as.
        let history = configuration.historyWriter(logger: logger)
        // One outbox delivers aggregate and failure reports, so its loop runs when either is on.
        let reportScheduler = configuration.aggregateReports || configuration.failureReports
            ? try configuration.reportScheduler(resolver: resolver, hostName: hostName,
                                                buildsAggregateReports: configuration.aggregateReports,
                                                signingKeys: signingKeys, logger: logger)
            : nil
        let outboxSignal = OutboxSignal()
        let failureReports = try configuration.failureReportService(resolver: resolver, hostName: hostName,
                                                                    signal: outboxSignal, signingKeys: signingKeys,
                                                                    logger: logger)
        var offerFailureReport: (@Sendable (FailureReportCandidate) -> Void)?
        if let failureReports { offerFailureReport = { failureReports.offer($0) } }
        let reportCapture = configuration.reportCaptureService(logger: logger)
        var captureReport: (@Sendable (CapturedReportMail) -> Bool)?
        if let reportCapture { captureReport = { reportCapture.take($0) } }
        let filter = DMARCMilterFilter(resolver: resolver, settings: settings, logger: logger,
                                       recordEvaluation: { history.enqueue($0) }, offerFailureReport: offerFailureReport,
                                       captureReport: captureReport)
        if let mask = configuration.umask {
            // Before the sockets are bound: a local: socket's mode comes from the mask.
            umask(mode_t(mask))
        }
        var servers: [MilterServer<DMARCMilterFilter>] = []
        for address in configuration.milterServerAddresses {
            servers.append(try await MilterServer.bind(to: address, filter: filter, logger: logger))
        }
        try configuration.userID?.switchToIt(logger: logger)
        let addresses = configuration.milterServerAddresses.map(\.description).joined(separator: ", ")
        let statusPage = try configuration.statusPageServer(
            registry: metrics, logger: logger, resolver: resolver,
            status: { [databasePath = configuration.databasePath] in
                DaemonStatus(startedAt: startedAt, dnsForwarders: resolver.forwarders, databasePath: databasePath,
                             historyWriter: history.health)
            })
        logger.notice("""
            milter listening on \(addresses); \
            \(configuration.httpListenAddress.map { "status page on http://\($0)/" } ?? "no status page (HTTPListen none)")
            """)
        let notifier = SystemdNotifier()
        let failureReportServices: [ServiceGroupConfiguration.ServiceConfiguration] =
            failureReports.map { [.init(service: $0)] } ?? []
        let reportCaptureServices: [ServiceGroupConfiguration.ServiceConfiguration] =
            reportCapture.map { [.init(service: $0)] } ?? []
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: SystemdService(notifier: notifier, status: "milter listening on \(addresses)")),
                .init(service: ResolverService(resolver: resolver, logger: logger)),
                // Before the milter: the group stops services in reverse order, so the last
                // messages are recorded before the history writes its queue out.
                .init(service: HistoryService(writer: history, path: configuration.databasePath, logger: logger)),
            ] + failureReportServices + reportCaptureServices + [
                .init(service: MilterService(servers: servers)),
            ] + (statusPage.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + [
                .init(service: ReloadService(signals: hangups, options: options, running: configuration,
                                             hostName: hostName, filter: filter, signingKeys: signingKeys,
                                             notifier: notifier, logger: logger)),
            ] + (reportScheduler.map { makeScheduler in
                [ServiceGroupConfiguration.ServiceConfiguration(
                    service: ReportService(databasePath: configuration.databasePath, makeScheduler: makeScheduler,
                                           signal: outboxSignal, logger: logger))]
            } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = Self.shutdownGracePeriod
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
    }
}

/// Tells systemd the daemon is ready once the group runs (the listeners are bound and the signals
/// trapped by then), and that it is stopping when shutdown begins.
struct SystemdService: Service {
    let notifier: SystemdNotifier
    let status: String

    func run() async {
        notifier.ready(status: status)
        try? await gracefulShutdown()
        notifier.stopping()
    }
}

/// Keeps the resolver until the daemon stops, then ends its thread and any query still waiting.
struct ResolverService: Service {
    let resolver: UnboundResolver
    let logger: Logger

    func run() async throws {
        // Services start after the group traps SIGTERM and SIGINT, so once this line is out a
        // signal stops the daemon cleanly.
        logger.info("DNS queries go to \(resolver.forwarders.joined(separator: ", "))")
        try? await gracefulShutdown()
        resolver.shutdown()
    }
}

/// Serves Postfix until shutdown: then stops accepting and lets open connections finish, until
/// the group's grace period runs out and cancels them.
struct MilterService: Service {
    let servers: [MilterServer<DMARCMilterFilter>]

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for server in servers {
                    group.addTask { try await server.run() }
                }
            }
        } onGracefulShutdown: {
            servers.forEach { $0.stopAccepting() }
        }
    }
}
