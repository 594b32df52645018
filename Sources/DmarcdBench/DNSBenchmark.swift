import CUnbound
import DNS
import Foundation
import TestSupport

/// Cached TXT lookups per second through `UnboundResolver` with 64 queries in flight, beside
/// libunbound's synchronous `ub_resolve` (one query at a time, as a blocking integration would
/// use it) on the same cached names from the same nsd on 127.0.0.1.
enum DNSBenchmark {
    static let names = (0..<64).map { "name\($0).bench.test" }
    static let inFlight = 64
    static let lookups = 200_000

    static func run() async throws {
        let records = (0..<64).map { "name\($0) TXT \"v=spf1 ip4:192.0.2.\($0) -all\"" }.joined(separator: "\n")
        let server = try DNSTestServer(zones: [.init("bench.test", records: records)])
        defer { server.stop() }

        let resolver = try UnboundResolver(options: .init(forwarders: [server.forwarder], forwardedLocalZones: ["test."]))
        for name in names { _ = try await resolver.txt(name) }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    for index in stride(from: worker, to: lookups, by: inFlight) {
                        _ = try await resolver.txt(names[index % names.count])
                    }
                }
            }
            try await group.waitForAll()
        }
        let asyncRate = Double(lookups) / (ContinuousClock.now - started).seconds
        resolver.shutdown()

        let syncRate = try synchronousRate(forwarder: server.forwarder, lookups: 20_000)
        Report.figure("DNS: cached TXT lookups/s, UnboundResolver, \(inFlight) in flight", asyncRate)
        Report.figure("DNS: cached TXT lookups/s, ub_resolve, 1 at a time", syncRate)
        Report.ratio("DNS: UnboundResolver / ub_resolve", asyncRate / syncRate)
    }

    private static func synchronousRate(forwarder: String, lookups: Int) throws -> Double {
        guard let context = ub_ctx_create() else { throw BenchmarkError("ub_ctx_create failed") }
        defer { ub_ctx_delete(context) }
        ub_ctx_set_option(context, "do-not-query-localhost:", "no")
        ub_ctx_set_fwd(context, forwarder)
        ub_ctx_zone_remove(context, "test.")
        func lookup(_ name: String) throws {
            var result: UnsafeMutablePointer<ub_result>?
            guard ub_resolve(context, name, 16, 1, &result) == 0, result?.pointee.havedata == 1 else {
                throw BenchmarkError("ub_resolve failed for \(name)")
            }
            ub_resolve_free(result)
        }
        for name in names { try lookup(name) }
        let started = ContinuousClock.now
        for index in 0..<lookups { try lookup(names[index % names.count]) }
        return Double(lookups) / (ContinuousClock.now - started).seconds
    }
}
