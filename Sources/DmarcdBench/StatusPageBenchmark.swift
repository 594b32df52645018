import Foundation
import Store
import TestSupport

/// Every page of the status page and its API against a history of 1,000,000 messages from 500
/// domains over 30 days, served by the release dmarcd: the first answer (cold caches) and the
/// median of five more, as curl measures them from request to last byte.
enum StatusPageBenchmark {
    static let defaultMessages = 1_000_000
    static let domains = 500
    static let target = 0.200

    /// - Parameter keepFor: seconds to keep the daemon serving after the measurements, to look
    ///   at the pages in a browser.
    static func run(messages: Int = defaultMessages, keepFor: Int = 0) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = directory.appendingPathComponent("history.sqlite").path
            let started = Date()
            var history = SyntheticHistory(domains: domains, days: 30)
            let store = try HistoryStore.open(path: database)
            try history.write(messages, to: store)
            let middle = try store.evaluations(limit: messages / 2).last
            print("""
                Status page: \(messages) messages from \(domains) domains written in \
                \(String(format: "%.0f", Date().timeIntervalSince(started))) s, \
                database \(store.fileSize() / 1_048_576) MiB
                """)
            try measure(database: database, messageID: middle?.id ?? 1, keepFor: keepFor)
        } catch {
            print("Status page benchmark failed: \(error)")
        }
    }

    private static func measure(database: String, messageID: Int64, keepFor: Int) throws {
        let httpPort = try FreePort.udpAndTCP()
        let milterPort = try FreePort.udpAndTCP()
        let daemon = try DaemonUnderTest(configuration: [
            "Socket inet:\(milterPort)@127.0.0.1", "HTTPListen 127.0.0.1:\(httpPort)", "DatabasePath \(database)",
            "HistoryRetention 0",
        ])
        defer { daemon.stop() }
        guard daemon.waitForLogLine(containing: "listening on 127.0.0.1:\(httpPort)") != nil else {
            print("Status page benchmark: the status page did not start\n\(daemon.logTail())")
            return
        }
        let paths = [
            "/", "/messages", "/messages?domain=\(SyntheticHistory.domain(7))", "/messages?result=fail",
            "/messages?ip=203.0.113.9", "/messages?disposition=quarantine&result=fail",
            "/messages?since=2000-01-01&until=2000-01-02", "/messages/\(messageID)",
            "/domains", "/domains?offset=450", "/domains/\(SyntheticHistory.domain(0))",
            "/domains/\(SyntheticHistory.domain(499))", "/reports", "/api/v1/overview", "/api/v1/messages",
            "/api/v1/domains/\(SyntheticHistory.domain(0))", "/metrics", "/healthz",
        ]
        var slowest = 0.0
        print("  page                                               first    median of 5")
        for path in paths {
            let times = try (0..<6).map { _ in try fetch("http://127.0.0.1:\(httpPort)\(path)") }
            let median = times.dropFirst().sorted()[2]
            slowest = max(slowest, median, times[0])
            print("  " + path.padding(toLength: 48, withPad: " ", startingAt: 0)
                  + String(format: "%8.1f ms %8.1f ms", times[0] * 1000, median * 1000))
        }
        print(String(format: "  slowest answer %.1f ms: %@ the %.0f ms goal", slowest * 1000,
                     slowest < target ? "within" : "OVER", target * 1000))
        if keepFor > 0 {
            print("  serving http://127.0.0.1:\(httpPort)/ for \(keepFor) s")
            sleep(UInt32(keepFor))
        }
    }

    /// Seconds from the request to the last byte of a 200 answer.
    private static func fetch(_ url: String) throws -> Double {
        let output = String(decoding: try TestProgram.run(["/usr/bin/curl", "-s", "-o", "/dev/null", "-w",
                                                           "%{http_code} %{time_total}", url]), as: UTF8.self)
        let parts = output.split(separator: " ")
        guard parts.count == 2, parts[0] == "200", let seconds = Double(parts[1]) else {
            throw BenchmarkError("\(url) answered \(output)")
        }
        return seconds
    }
}
