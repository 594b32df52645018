import DNS
import Foundation
import Logging
import Milter
import ServiceLifecycle
import Store

/// The running daemon: every long-lived part as a service of one group, started together and
/// stopped together on SIGTERM or SIGINT.
struct Daemon {
    /// How long open milter connections may take to finish after SIGTERM before they are cut;
    /// Postfix keeps one per SMTP session, so this bounds the wait for slow clients.
    static let shutdownGracePeriod: Duration = .seconds(10)

    let configuration: Configuration
    let logger: Logger

    func run() async throws {
        let resolver = try UnboundResolver(options: configuration.resolverOptions)
        let settings = try configuration.milterFilterSettings(hostName: ProcessInfo.processInfo.hostName)
        let history = configuration.historyWriter(logger: logger)
        let filter = DMARCMilterFilter(resolver: resolver, settings: settings, logger: logger,
                                       recordEvaluation: { history.enqueue($0) })
        let server = try await MilterServer.bind(to: configuration.milterServerAddress, filter: filter, logger: logger)
        logger.notice("""
            milter listening on \(configuration.milterServerAddress); \
            no status page in this build (StatusPageListen \(configuration.statusPageAddress))
            """)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: ResolverService(resolver: resolver, logger: logger)),
                // Before the milter: the group stops services in reverse order, so the last
                // messages are recorded before the history writes its queue out.
                .init(service: HistoryService(writer: history, path: configuration.databasePath, logger: logger)),
                .init(service: MilterService(server: server)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = Self.shutdownGracePeriod
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
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
    let server: MilterServer<DMARCMilterFilter>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.stopAccepting()
        }
    }
}
