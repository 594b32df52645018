import DNS
import Logging
import ServiceLifecycle

/// The running daemon: every long-lived part as a service of one group, started together and
/// stopped together on SIGTERM or SIGINT.
struct Daemon {
    let configuration: Configuration
    let logger: Logger

    func run() async throws {
        let resolver = try UnboundResolver(options: configuration.resolverOptions)
        logger.notice("""
            not listening yet: this build has no milter (Socket \(configuration.socket)) \
            and no status page (StatusPageListen \(configuration.statusPageAddress))
            """)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: ResolverService(resolver: resolver, logger: logger))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
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
