import Auth
import DNS
import Foundation
import Logging
import Reporter
import Store

extension Configuration {
    /// RFC 9991 §8.1: failure reports one destination address gets per hour at most.
    static let failureReportsPerDestinationPerHour = 10
    /// Failure reports about one policy domain per day at most.
    static let failureReportsPerDomainPerDay = 100
    /// Failure reports that may wait to be built; a flood beyond this is dropped.
    static let failureReportQueueCapacity = 1000
    /// The same with `FailureReportsIncludeMessage`, where each waiting report may hold a body
    /// of up to 1 MiB: a flood then costs at most about 100 MiB of memory.
    static let failureReportQueueCapacityWithMessages = 100

    /// The failure report sender when `FailureReports` is on: `FailureReportsSentBy` (else
    /// dmarcd's user at this host) as the sender, `FailureReportsBcc`, `FailureReportsOnNone`,
    /// the `ruf` destinations checked like `rua` ones, into the report outbox of `DatabasePath`,
    /// raising `signal` for the delivery loop.
    func failureReportService(resolver: any DNSResolver, hostName: String, signal: OutboxSignal,
                              signingKeys: DKIMSigningKeyring, logger: Logger) throws -> FailureReportService? {
        guard failureReports else { return nil }
        var settings = FailureReportService.Settings(
            sender: failureReportsSentBy ?? "\(NSUserName())@\(hostName)",
            copyAddresses: failureReportsBcc, reporter: hostName, userAgent: "dmarcd/\(DmarcdVersion.current)",
            policy: FailureReportPolicy(reportsOnNone: failureReportsOnNone, hasCopyAddresses: !failureReportsBcc.isEmpty),
            reportsPerDestinationPerHour: Self.failureReportsPerDestinationPerHour,
            reportsPerDomainPerDay: Self.failureReportsPerDomainPerDay,
            queueCapacity: failureReportsIncludeMessage
                ? Self.failureReportQueueCapacityWithMessages : Self.failureReportQueueCapacity)
        settings.signingKeys = signingKeys
        return FailureReportService(settings: settings,
                                    openStore: { [databasePath] in await HistoryStore.openForReports(path: databasePath, logger: logger) },
                                    signal: signal, destinations: try reportDestinationChecker(resolver: resolver),
                                    resolver: resolver, logger: logger)
    }
}
