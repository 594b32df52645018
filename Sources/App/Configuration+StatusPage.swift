import HTTP
import Logging
import Prometheus

extension Configuration {
    /// The status page of `HTTPListen` with `HTTPUser` and `HTTPPasswordHash`; nil for
    /// `HTTPListen none`.
    func statusPageServer(registry: PrometheusCollectorRegistry, logger: Logger,
                          status: @escaping @Sendable () -> DaemonStatus) throws -> StatusPageServer? {
        guard let address = httpListenAddress else { return nil }
        var credentials: StatusPageSettings.Credentials?
        if let user = httpUser, let hash = httpPasswordHash {
            credentials = .init(user: user, passwordHash: hash)
        }
        let settings = StatusPageSettings(host: address.host, port: Int(address.port), credentials: credentials,
                                          version: DmarcdVersion.current)
        return try StatusPageServer(settings: settings, databasePath: databasePath, registry: registry,
                                    status: status, logger: logger)
    }
}
