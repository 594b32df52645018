import DNS
import HTTP
import Logging
import Prometheus

extension Configuration {
    /// The status page of `HTTPListen` with `HTTPUser` and `HTTPPasswordHash`; nil for
    /// `HTTPListen none`.
    /// `resolver` answers the "Setup" page's checks.
    func statusPageServer(registry: PrometheusCollectorRegistry, logger: Logger, resolver: any DNSResolver,
                          status: @escaping @Sendable () -> DaemonStatus) throws -> StatusPageServer? {
        guard let address = httpListenAddress else { return nil }
        var credentials: StatusPageSettings.Credentials?
        if let user = httpUser, let hash = httpPasswordHash {
            credentials = .init(user: user, passwordHash: hash)
        }
        let settings = StatusPageSettings(host: address.host, port: Int(address.port), credentials: credentials,
                                          version: DmarcdVersion.current)
        return try StatusPageServer(settings: settings, databasePath: databasePath, registry: registry,
                                    status: status, setup: setupCheck(resolver: resolver), logger: logger)
    }
}
