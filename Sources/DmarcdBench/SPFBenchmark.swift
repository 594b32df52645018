import Auth
import DNS
import Foundation

/// SPF evaluations per second for a realistic record (an `mx`, two includes, an `ip4`) with
/// every answer already in memory, so the figure is the cost of the evaluation itself. When
/// Debian's python3-spf (pyspf) is installed, it runs the same records with an in-memory DNS
/// for comparison.
enum SPFBenchmark {
    /// The records, as (owner, type, value); TXT values are the record text.
    static let records: [(name: String, type: String, value: String)] = [
        ("example.com", "TXT", "v=spf1 mx include:_spf.mailhost.example include:spf.crm.example ip4:198.51.100.17 -all"),
        ("example.com", "MX", "10 mx1.example.com"),
        ("example.com", "MX", "20 mx2.example.com"),
        ("mx1.example.com", "A", "192.0.2.25"),
        ("mx2.example.com", "A", "192.0.2.26"),
        ("_spf.mailhost.example", "TXT",
         "v=spf1 ip4:198.51.100.0/26 ip4:198.51.100.64/27 ip4:198.51.100.96/28 ip4:198.51.100.128/25"
            + " ip4:192.0.2.128/26 ip4:192.0.2.192/27 ip6:2001:db8:1000::/36 ip6:2001:db8:2000::/36 ~all"),
        ("spf.crm.example", "TXT",
         "v=spf1 ip4:203.0.113.0/28 ip4:203.0.113.32/28 ip4:203.0.113.64/27 ip6:2001:db8:3000::/40 -all"),
    ]
    /// Matches in the second include, so every term before it is evaluated.
    static let client = "203.0.113.70"
    static let sender = "newsletter@example.com"
    static let helo = "mta7.crm.example"
    static let seconds = 2.0

    static func run() async {
        print("SPF: \(records.filter { $0.type == "TXT" }[0].value)")
        print("SPF: client \(client) passes in the second include; DNS answers from memory")
        let evaluator = SPFEvaluator(resolver: zone())
        let clientIP = IPAddress(client)!
        let check = await evaluator.checkMailFrom(sender, helo: helo, clientIP: clientIP)
        guard check.result == .pass else {
            print("SPF: unexpected outcome \(check)")
            return
        }

        let single = await measure(tasks: 1, evaluator: evaluator, clientIP: clientIP)
        print("SPF: dmarcd \(Int(single)) evaluations/s on one task (\(format(1e6 / single)) µs each)")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let parallel = await measure(tasks: cores, evaluator: evaluator, clientIP: clientIP)
        print("SPF: dmarcd \(Int(parallel)) evaluations/s on \(cores) tasks")

        switch runPySPF() {
        case .success(let peer):
            print("SPF: pyspf \(Int(peer)) evaluations/s (python3-spf, one thread, same records, DNS from a dict)")
            print("SPF: dmarcd/pyspf = \(format(single / peer))x on one task")
        case .failure(let reason):
            print("SPF: pyspf not measured: \(reason)")
        }
    }

    static func zone() -> StaticResolver {
        var zone = StaticResolver()
        for record in records {
            switch record.type {
            case "TXT": zone.add(.txt(TXTRecord(record.value)), at: record.name)
            case "A": zone.add(.a(IPAddress(record.value)!), at: record.name)
            default:
                let parts = record.value.split(separator: " ")
                zone.add(.mx(MXRecord(preference: UInt16(parts[0])!, exchange: String(parts[1]))), at: record.name)
            }
        }
        return zone
    }

    /// Evaluations per second over `seconds`, with `tasks` tasks evaluating side by side.
    static func measure(tasks: Int, evaluator: SPFEvaluator, clientIP: IPAddress) async -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .seconds(seconds)
        let total = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var count = 0
                    while clock.now < end {
                        for _ in 0..<100 {
                            _ = await evaluator.checkMailFrom(sender, helo: helo, clientIP: clientIP)
                        }
                        count += 100
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    struct PeerError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs pyspf in `/usr/bin/python3` with its DNS lookup replaced by a dictionary of the same
    /// records, and reads its evaluations per second.
    static func runPySPF() -> Result<Double, PeerError> {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return .failure(PeerError(description: "\(python) not found"))
        }
        let zoneLiteral = records.map { record in
            "(\(pythonString(record.name)), \(pythonString(record.type)), \(pythonString(record.value)))"
        }.joined(separator: ", ")
        let script = """
            import sys, time
            try:
                import spf
            except ImportError:
                print("python3-spf is not installed"); sys.exit(2)
            zone = {}
            for name, kind, value in [\(zoneLiteral)]:
                if kind == "TXT": value = [value.encode()]
                elif kind == "MX": value = (int(value.split()[0]), value.split()[1])
                zone.setdefault((name, kind), []).append(value)
            def lookup(name, qtype, *args, **kwargs):
                name = str(name).lower().rstrip(".")
                return [((name, qtype), value) for value in zone.get((name, qtype), [])]
            spf.DNSLookup = lookup
            def once():
                return spf.query(i=\(pythonString(client)), s=\(pythonString(sender)), h=\(pythonString(helo))).check()[0]
            result = once()
            if result != "pass":
                print("unexpected result " + result); sys.exit(2)
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < \(seconds):
                for _ in range(100): once()
                count += 100
            print(count / (time.perf_counter() - start))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return .failure(PeerError(description: "\(python) did not start: \(error)"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, let rate = Double(text) else {
            return .failure(PeerError(description: text.isEmpty ? "exit status \(process.terminationStatus)" : text))
        }
        return .success(rate)
    }

    static func pythonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
