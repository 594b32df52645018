import Foundation
import TestSupport

/// dmarcd alone for an hour (by default) at a steady rate over 32 concurrent milter sessions,
/// on a mix of messages that takes every path a day of mail takes: DMARC pass through RSA and
/// Ed25519 signatures, failures of a p=reject domain, a domain without a policy, large
/// messages, a forwarder whose address fails SPF. Every minute it prints the daemon's RSS,
/// its CPU per message and the latency of that minute's messages; at the end, whether RSS
/// levelled off. Like the milter benchmark it runs in a private network namespace with nsd on
/// 127.0.0.1:53.
///
/// `DmarcdBench soak [MINUTES [MESSAGES_PER_SECOND]]`
enum SoakBenchmark {
    static let argument = "soak"
    static let namespaceArgument = "soak-in-namespace"
    static let connections = 32
    static let defaultMinutes = 60
    static let defaultRate = 160

    static func run(minutes: Int, rate: Int) {
        MilterBenchmark.runInNewNamespace("Soak benchmark", arguments: [namespaceArgument, String(minutes), String(rate)])
    }

    /// One kind of message of the mix: the SMTP client it comes from, the message, and the
    /// DMARC result dmarcd must give it.
    struct Traffic {
        var session: BlockingMilterClient.Session
        var message: BlockingMilterClient.Message
        var dmarc: String
    }

    static func runInNamespace(minutes: Int, rate: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try MilterBenchmark.privateLoopbackAndResolver(directory: directory)

        let signer = try DKIMTestSigner()
        let rsa = try signer.rsaKey(bits: 2048)
        let ed25519 = try signer.ed25519Key()
        let dns = try DNSTestServer(zones: MilterBenchmark.zones(rsa: rsa, ed25519: ed25519), port: 53)
        defer { dns.stop() }

        let mix = try mixOfMessages(signer: signer, rsa: rsa, ed25519: ed25519)
        print("Soak: dmarcd for \(minutes) min at \(rate) messages/s over \(connections) concurrent sessions; "
              + "a mix of \(mix.count): 4 DKIM RSA pass, 1 Ed25519 pass, 1 forwarded (SPF fail, DKIM pass), "
              + "2 p=reject failures, 1 without policy, 1 of 200 KB")
        let dmarcd = try MilterBenchmark.Peer.dmarcd(directory: directory)
        defer { dmarcd.stop() }
        try dmarcd.waitUntilAccepting()
        for (index, traffic) in mix.enumerated() {
            let added = try dmarcd.session(traffic.message, queueID: "5C\(index)", from: traffic.session)
            guard added.contains("dmarc=\(traffic.dmarc)") else {
                throw BenchmarkError("message \(index) of the mix did not get dmarc=\(traffic.dmarc): \(added)")
            }
        }
        let load = SoakLoad(peer: dmarcd, mix: mix, rate: rate, connections: connections)
        let samples = load.run(minutes: minutes)
        summarize(samples)
    }

    static func mixOfMessages(signer: DKIMTestSigner, rsa: DKIMTestSigner.Key,
                              ed25519: DKIMTestSigner.Key) throws -> [Traffic] {
        let sender = MilterBenchmark.session
        let forwarder = BlockingMilterClient.Session(clientIP: "198.51.100.7", helo: "lists.example.net")
        func message(_ text: [UInt8], from envelope: String = "<bounce@example.net>") -> BlockingMilterClient.Message {
            BlockingMilterClient.Message(text, sender: envelope, recipient: "<bob@example.org>")
        }
        var mix = try (0..<4).map {
            Traffic(session: sender, message: try MilterBenchmark.signedMessage($0, signer: signer, key: rsa), dmarc: "pass")
        }
        mix.append(Traffic(session: sender, message: message(
            try signer.sign(MilterBenchmark.messageText(4), key: ed25519, selector: "ed")), dmarc: "pass"))
        mix.append(Traffic(session: forwarder, message: try MilterBenchmark.signedMessage(5, signer: signer, key: rsa),
                           dmarc: "pass"))
        mix += (6...7).map { Traffic(session: sender, message: message(MilterBenchmark.messageText($0)), dmarc: "fail") }
        mix.append(Traffic(session: sender, message: message(
            MilterBenchmark.messageText(8, from: "Carol <carol@example.org>"), from: "<carol@example.org>"), dmarc: "none"))
        mix.append(Traffic(session: sender, message: message(
            try signer.sign(MilterBenchmark.messageText(9, paragraphs: 1_160), key: rsa)), dmarc: "pass"))
        return mix
    }

    /// One minute of the run.
    struct Sample {
        var minute: Int
        var messages: Int
        var failures: Int
        var residentMiB: Double
        var cpuMillisecondsPerMessage: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var maxMilliseconds: Double
    }

    static func summarize(_ samples: [Sample]) {
        guard let first = samples.first, let last = samples.last else { return }
        let total = samples.reduce(0) { $0 + $1.messages }
        let failures = samples.reduce(0) { $0 + $1.failures }
        let half = samples.suffix(samples.count / 2)
        let growthSecondHalf = (half.map(\.residentMiB).max() ?? 0) - (half.first?.residentMiB ?? 0)
        Report.figure("Soak: messages", Double(total))
        Report.figure("Soak: failed sessions", Double(failures))
        Report.figure("Soak: RSS MiB after minute 1", first.residentMiB, digits: 1)
        Report.figure("Soak: RSS MiB at the end", last.residentMiB, digits: 1)
        Report.figure("Soak: RSS growth MiB over the second half", growthSecondHalf, digits: 1)
        Report.figure("Soak: CPU ms per message, whole run",
                      samples.reduce(0) { $0 + $1.cpuMillisecondsPerMessage * Double($1.messages) } / Double(max(total, 1)),
                      digits: 3)
        print("Soak: RSS levelled off: \(growthSecondHalf <= 2 ? "yes" : "no") (at most 2 MiB of growth over the second half)")
    }
}

/// The load of the soak: `connections` threads, each sending its share of `rate` messages a
/// second on a fixed schedule, and the sampling of each minute.
final class SoakLoad: @unchecked Sendable {
    private let peer: MilterBenchmark.Peer
    private let mix: [SoakBenchmark.Traffic]
    private let rate: Int
    private let connections: Int

    // Shared with the sending threads, under `lock`.
    private let lock = NSLock()
    private var latencies: [Double] = []
    private var failures = 0
    private var firstFailure: String?
    private var stopped = false

    init(peer: MilterBenchmark.Peer, mix: [SoakBenchmark.Traffic], rate: Int, connections: Int) {
        self.peer = peer
        self.mix = mix
        self.rate = rate
        self.connections = connections
    }

    func run(minutes: Int) -> [SoakBenchmark.Sample] {
        let clock = ContinuousClock()
        let start = clock.now
        let counter = MilterBenchmark.LoadCounter()
        let threads = (0..<connections).map { worker in Thread { [self] in send(worker, from: start, clock: clock, counter: counter) } }
        counter.enter(threads.count)
        threads.forEach { $0.start() }

        print("minute  messages  failed  RSS MiB  CPU ms/msg  p50 ms  p99 ms  max ms")
        var samples: [SoakBenchmark.Sample] = []
        var before = peer.statuses().first
        for minute in 1...minutes {
            clock.blockingSleep(until: start + .seconds(60 * minute))
            let (minuteLatencies, minuteFailures) = lock.withLock {
                defer { latencies = []; failures = 0 }
                return (latencies, failures)
            }
            guard let now = peer.statuses().first, let previous = before else {
                print("Soak: dmarcd is gone after minute \(minute - 1)")
                break
            }
            before = now
            let sorted = minuteLatencies.sorted()
            func percentile(_ fraction: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
            }
            let sample = SoakBenchmark.Sample(
                minute: minute, messages: sorted.count, failures: minuteFailures, residentMiB: Double(now.residentKiB) / 1024,
                cpuMillisecondsPerMessage: (now.cpuSeconds - previous.cpuSeconds) * 1000 / Double(max(sorted.count, 1)),
                p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99), maxMilliseconds: sorted.last ?? 0)
            samples.append(sample)
            print(String(format: "%6d  %8d  %6d  %7.1f  %10.3f  %6.2f  %6.2f  %6.1f", sample.minute, sample.messages,
                         sample.failures, sample.residentMiB, sample.cpuMillisecondsPerMessage, sample.p50Milliseconds,
                         sample.p99Milliseconds, sample.maxMilliseconds))
            fflush(nil)
        }
        lock.withLock { stopped = true }
        counter.waitForAll()
        if let firstFailure { print("Soak: first failed session: \(firstFailure)") }
        return samples
    }

    /// Message `k` of thread `worker` is due at (k × connections + worker) / rate seconds after
    /// the start; a thread that falls behind sends its next one at once.
    private func send(_ worker: Int, from start: ContinuousClock.Instant, clock: ContinuousClock,
                      counter: MilterBenchmark.LoadCounter) {
        var index = worker
        while !lock.withLock({ stopped }) {
            clock.blockingSleep(until: start + .seconds(Double(index) / Double(rate)))
            let traffic = mix[index % mix.count]
            let sent = clock.now
            do {
                _ = try peer.session(traffic.message, queueID: "5A\(worker)x\(index)", from: traffic.session)
                let milliseconds = (clock.now - sent).seconds * 1000
                lock.withLock { latencies.append(milliseconds) }
            } catch {
                lock.withLock {
                    failures += 1
                    if firstFailure == nil { firstFailure = "\(error)" }
                }
            }
            index += connections
        }
        counter.leave()
    }
}

extension ContinuousClock {
    /// Blocks the calling thread until `deadline`.
    func blockingSleep(until deadline: Instant) {
        let left = deadline - now
        guard left > .zero else { return }
        Thread.sleep(forTimeInterval: left.seconds)
    }
}
