import Foundation
import TestSupport

/// dmarcd's milter beside Debian's OpenDKIM 2.11 (verify only) and OpenDMARC 1.4.2 chained as
/// Postfix chains two `smtpd_milters`, on the same DKIM-signed messages and the same DNS data
/// from one nsd, each daemon started fresh: messages/s and CPU per message at 32 connections,
/// latency per message at one connection, peak memory.
///
/// OpenDMARC and the libspf2 it checks SPF with ask the name servers of /etc/resolv.conf, which
/// can only name port 53. So the benchmark runs in a private network and mount namespace of
/// its own (`unshare`, root only): there 127.0.0.1:53 is the benchmark's nsd and
/// /etc/resolv.conf names it, and no query leaves the namespace.
enum MilterBenchmark {
    /// The argument that makes the program run this benchmark inside the namespace.
    static let namespaceArgument = "milter-benchmark-in-namespace"
    static let authservID = "mx.example.test"
    static let session = BlockingMilterClient.Session(clientIP: "192.0.2.10", helo: "mail.example.com")
    static let latencyMessages = 150
    static let concurrency = 32
    static let loadDuration: Duration = .seconds(8)

    /// Runs the benchmark in a new namespace, printing what it prints.
    static func run() {
        runInNewNamespace("Milter benchmark", arguments: [namespaceArgument])
    }

    /// Runs this program again with `arguments` in a private network and mount namespace,
    /// printing what it prints.
    static func runInNewNamespace(_ name: String, arguments: [String]) {
        guard getuid() == 0 else {
            print("\(name) not run: it needs root for a private network namespace (unshare)")
            return
        }
        // The child writes to the same output; what this process buffered must come first.
        fflush(nil)
        do {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments = ["--net", "--mount", "--", try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")]
                + arguments
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus != 0 {
                print("\(name) failed (exit status \(process.terminationStatus))")
            }
        } catch {
            print("\(name) failed: \(error)")
        }
    }

    /// The benchmark itself, inside the namespace.
    static func runInNamespace() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-milter-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try privateLoopbackAndResolver(directory: directory)

        let signer = try DKIMTestSigner()
        let key = try signer.rsaKey(bits: 2048)
        let dns = try DNSTestServer(zones: zones(rsa: key), port: 53)
        defer { dns.stop() }
        let messages = try (0..<8).map { try signedMessage($0, signer: signer, key: key) }
        let size = messages[0].fields.reduce(messages[0].body.count) { $0 + $1.name.utf8.count + $1.value.count + 3 }
        print("Milter: \(size)-byte messages signed with 2048-bit RSA, SPF, DKIM and DMARC pass, one session each; "
              + "one nsd on 127.0.0.1:53 in a private network namespace")

        let dmarcd = try Peer.dmarcd(directory: directory)
        let ours = try measure(dmarcd, messages: messages)
        dmarcd.stop()
        let pair = try Peer.openDKIMAndOpenDMARC(directory: directory)
        let theirs = try measure(pair, messages: messages)
        pair.stop()

        let ourLatency = ours.latencies.sorted(), theirLatency = theirs.latencies.sorted()
        func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
            sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
        }
        let rows: [(String, Double, Double, String)] = [
            ("messages/s at c=\(concurrency)", ours.rate, theirs.rate, ""),
            ("CPU ms per message at c=\(concurrency)", ours.cpuMilliseconds, theirs.cpuMilliseconds,
             "target <= 0.20x"),
            ("p50 ms per message at c=1", percentile(ourLatency, 0.5), percentile(theirLatency, 0.5),
             "target <= 2 ms"),
            ("p99 ms per message at c=1", percentile(ourLatency, 0.99), percentile(theirLatency, 0.99), ""),
            ("RSS MiB idle after start", ours.idleMiB, theirs.idleMiB, ""),
            ("peak RSS MiB (VmHWM) after c=\(concurrency)", ours.peakMiB, theirs.peakMiB, "target <= 0.75x"),
        ]
        // Grows when functions that run are missing from scripts/layout/function-order.txt.
        Report.figure("Milter: dmarcd resident code MiB of its own binary after c=\(concurrency)", ours.codeMiB, digits: 2)
        for (label, our, their, target) in rows {
            Report.figure("Milter: dmarcd \(label)", our, digits: 2)
            Report.figure("Milter: OpenDKIM+OpenDMARC \(label)", their, digits: 2)
            Report.ratio("Milter: dmarcd / pair, \(label)", our / their, note: target)
        }
        print("Milter: p50 target met: \(percentile(ourLatency, 0.5) <= 2 ? "yes" : "no"); "
              + "CPU target met: \(ours.cpuMilliseconds <= theirs.cpuMilliseconds / 5 ? "yes" : "no"); "
              + "peak RSS target met: \(ours.peakMiB <= theirs.peakMiB * 0.75 ? "yes" : "no")")
    }

    // MARK: Measurements

    struct Figures {
        var rate: Double
        var cpuMilliseconds: Double
        var latencies: [Double]
        var idleMiB: Double
        var peakMiB: Double
        var codeMiB: Double
    }

    static func measure(_ peer: Peer, messages: [BlockingMilterClient.Message]) throws -> Figures {
        try peer.waitUntilAccepting()
        let idle = peer.statuses().reduce(0) { $0 + $1.residentKiB }
        let check = try peer.session(messages[0], queueID: "1A0000")
        guard check.contains("dkim=pass"), check.contains("spf=pass"), check.contains("dmarc=pass") else {
            throw BenchmarkError("\(peer.name) did not pass the benchmark message: \(check)")
        }
        for index in 0..<20 { _ = try peer.session(messages[index % messages.count], queueID: "1B\(index)") }

        let clock = ContinuousClock()
        var latencies: [Double] = []
        for index in 0..<latencyMessages {
            let start = clock.now
            _ = try peer.session(messages[index % messages.count], queueID: "1C\(index)")
            latencies.append((clock.now - start).seconds * 1000)
        }

        let before = peer.statuses()
        let counter = LoadCounter()
        let deadline = clock.now + loadDuration
        let start = clock.now
        let threads = (0..<concurrency).map { worker in
            Thread {
                var index = worker
                do {
                    while clock.now < deadline {
                        _ = try peer.session(messages[index % messages.count], queueID: "1D\(worker)x\(index)")
                        counter.add()
                        index += concurrency
                    }
                } catch {
                    counter.fail(error)
                }
                counter.leave()
            }
        }
        counter.enter(threads.count)
        threads.forEach { $0.start() }
        counter.waitForAll()
        let elapsed = (clock.now - start).seconds
        if let error = counter.error { throw BenchmarkError("\(peer.name) under load: \(error)") }
        let after = peer.statuses()
        let cpu = zip(before, after).reduce(0) { $0 + $1.1.cpuSeconds - $1.0.cpuSeconds }
        return Figures(rate: Double(counter.count) / elapsed, cpuMilliseconds: cpu * 1000 / Double(counter.count),
                       latencies: latencies, idleMiB: Double(idle) / 1024,
                       peakMiB: Double(after.reduce(0) { $0 + $1.peakResidentKiB }) / 1024,
                       codeMiB: Double(peer.processes.reduce(0) { $0 + residentCodeKiB(pid: $1.pid) }) / 1024)
    }

    /// The resident part of the executable mappings of the program's own file, from
    /// /proc/PID/smaps (read whole: its reported size is 0).
    static func residentCodeKiB(pid: pid_t) -> Int {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
              let smaps = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps"),
              let data = try? smaps.readToEnd() else { return 0 }
        var inCode = false
        var total = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first?.contains("-") == true, fields.count >= 5 {
                inCode = fields[1].contains("x") && fields.last.map(String.init) == executable
            } else if inCode, fields.first == "Rss:", fields.count >= 2, let kiB = Int(fields[1]) {
                total += kiB
            }
        }
        return total
    }

    /// Counts the messages of the load threads and waits for the threads to end.
    final class LoadCounter: @unchecked Sendable {
        private let condition = NSCondition()
        private var running = 0
        private(set) var count = 0
        private(set) var error: (any Error)?

        func enter(_ threads: Int) { condition.withLock { running = threads } }
        func add() { condition.withLock { count += 1 } }
        func fail(_ error: any Error) { condition.withLock { self.error = error } }

        func leave() {
            condition.withLock {
                running -= 1
                condition.broadcast()
            }
        }

        func waitForAll() {
            condition.withLock {
                while running > 0 { condition.wait() }
            }
        }
    }

    // MARK: The milters

    /// One milter, or several chained the way Postfix chains `smtpd_milters`: each SMTP event
    /// goes to every milter in turn; at the end of the message Postfix hands the whole content
    /// to one milter after the other, each seeing the header fields the ones before added.
    final class Peer: @unchecked Sendable {
        let name: String
        let ports: [UInt16]
        let processes: [ChildProcess]

        init(name: String, ports: [UInt16], processes: [ChildProcess]) {
            self.name = name
            self.ports = ports
            self.processes = processes
        }

        static func dmarcd(directory: URL) throws -> Peer {
            let port = try FreePort.udpAndTCP()
            let configuration = directory.appendingPathComponent("dmarcd.conf")
            try """
                Socket inet:\(port)@127.0.0.1
                AuthservID \(MilterBenchmark.authservID)
                Nameservers 127.0.0.1
                DatabasePath \(directory.appendingPathComponent("dmarcd.sqlite").path)
                LogLevel warning

                """.write(to: configuration, atomically: true, encoding: .utf8)
            let process = try ChildProcess(BuiltProducts.executable("dmarcd"), ["run", "--config", configuration.path],
                                           logFile: directory.appendingPathComponent("dmarcd.log").path)
            return Peer(name: "dmarcd", ports: [port], processes: [process])
        }

        /// OpenDKIM verifies and adds its Authentication-Results; OpenDMARC trusts that field's
        /// authserv-id, checks SPF itself and adds its own. Neither logs, like dmarcd above.
        static func openDKIMAndOpenDMARC(directory: URL) throws -> Peer {
            let dkimPort = try FreePort.udpAndTCP()
            let dmarcPort = try FreePort.udpAndTCP()
            let dkimConfiguration = directory.appendingPathComponent("opendkim.conf")
            try """
                Mode v
                Socket inet:\(dkimPort)@127.0.0.1
                AuthservID \(MilterBenchmark.authservID)
                Nameservers 127.0.0.1
                Syslog no

                """.write(to: dkimConfiguration, atomically: true, encoding: .utf8)
            let dmarcConfiguration = directory.appendingPathComponent("opendmarc.conf")
            try """
                Socket inet:\(dmarcPort)@127.0.0.1
                AuthservID \(MilterBenchmark.authservID)
                TrustedAuthservIDs \(MilterBenchmark.authservID)
                SPFSelfValidate true
                PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat
                Syslog false

                """.write(to: dmarcConfiguration, atomically: true, encoding: .utf8)
            let dkim = try ChildProcess("/usr/sbin/opendkim", ["-f", "-x", dkimConfiguration.path],
                                        logFile: directory.appendingPathComponent("opendkim.log").path)
            let dmarc = try ChildProcess("/usr/sbin/opendmarc", ["-f", "-c", dmarcConfiguration.path],
                                         logFile: directory.appendingPathComponent("opendmarc.log").path)
            return Peer(name: "OpenDKIM+OpenDMARC", ports: [dkimPort, dmarcPort], processes: [dkim, dmarc])
        }

        func statuses() -> [ProcessStatus] {
            processes.compactMap { ProcessStatus(pid: $0.pid) }
        }

        func stop() {
            processes.forEach { $0.stop() }
        }

        func waitUntilAccepting() throws {
            let deadline = Date().addingTimeInterval(20)
            for port in ports {
                while (try? BlockingMilterClient(port: port)) == nil {
                    guard Date() < deadline, processes.allSatisfy(\.isRunning) else {
                        throw BenchmarkError("\(name) did not start listening on 127.0.0.1:\(port)")
                    }
                    usleep(20_000)
                }
            }
        }

        /// One SMTP session with one message; returns the header fields the milters added.
        func session(_ original: BlockingMilterClient.Message, queueID: String,
                     from session: BlockingMilterClient.Session = MilterBenchmark.session) throws -> String {
            var message = original
            message.queueID = queueID
            let clients = try ports.map { try BlockingMilterClient(port: $0) }
            for client in clients { try client.negotiate() }
            for client in clients { guard try client.open(session) else { return "session refused" } }
            for client in clients { guard try client.mail(message) else { return "MAIL refused" } }
            for client in clients { guard try client.recipient(message) else { return "RCPT refused" } }
            for client in clients { guard try client.data(message) else { return "DATA refused" } }
            var added: [String] = []
            for client in clients {
                let replies = try client.content(of: message)
                // OpenDKIM ends a verified message with accept, which leaves the next milter's turn alone.
                guard let last = replies.last?.code, last == UInt8(ascii: "c") || last == UInt8(ascii: "a") else {
                    return "message refused: \(replies)"
                }
                for reply in replies {
                    guard let field = Self.addedField(reply, leadingSpace: client.protocolFlags & 0x10_0000 != 0) else { continue }
                    added.append(field.name + ":" + String(decoding: field.value, as: UTF8.self))
                    message.fields.insert((name: field.name, value: field.value),
                                          at: min(field.index ?? message.fields.count, message.fields.count))
                }
            }
            for client in clients {
                client.endMessage()
                try client.quit()
            }
            return added.joined(separator: "\n")
        }

        /// SMFIR_INSHEADER (index, name, value) or SMFIR_ADDHEADER (name, value), with the
        /// value as it will stand in the message: Postfix adds the space after the colon unless
        /// the milter asked to write it itself.
        static func addedField(_ reply: BlockingMilterClient.Frame, leadingSpace: Bool)
            -> (name: String, value: [UInt8], index: Int?)? {
            var payload = reply.payload[...]
            var index: Int?
            switch reply.code {
            case UInt8(ascii: "i"):
                guard payload.count > 4 else { return nil }
                index = payload.prefix(4).reduce(0) { $0 << 8 | Int($1) }
                payload = payload.dropFirst(4)
            case UInt8(ascii: "h"):
                break
            default:
                return nil
            }
            let parts = payload.split(separator: 0, omittingEmptySubsequences: false)
            guard parts.count >= 2 else { return nil }
            return (String(decoding: parts[0], as: UTF8.self), (leadingSpace ? [] : [0x20]) + Array(parts[1]), index)
        }
    }

    // MARK: Setting up

    /// The benchmarks' DNS data: example.com publishes p=reject, SPF for 192.0.2.0/24 and the
    /// key `rsa` at selector `sel` (and `ed25519` at `ed`); example.net, the envelope senders'
    /// domain, the same SPF; example.org SPF with ~all and no DMARC record.
    static func zones(rsa: DKIMTestSigner.Key, ed25519: DKIMTestSigner.Key? = nil) -> [DNSTestServer.Zone] {
        [
            .init("com", records: ""),
            .init("net", records: ""),
            .init("org", records: ""),
            .init("example.net", records: """
                @              TXT "v=spf1 ip4:192.0.2.0/24 -all"
                """),
            .init("example.com", records: """
                sel._domainkey TXT \(DNSTestServer.Zone.quotedStrings(rsa.record()))
                \(ed25519.map { "ed._domainkey  TXT \(DNSTestServer.Zone.quotedStrings($0.record()))" } ?? "")
                _dmarc         TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
                @              TXT "v=spf1 ip4:192.0.2.0/24 -all"
                """),
            .init("example.org", records: """
                @              TXT "v=spf1 ip4:192.0.2.0/24 ~all"
                """),
        ]
    }

    /// Brings up the namespace's loopback and points /etc/resolv.conf, in this mount namespace
    /// only, at 127.0.0.1. Started without Foundation's `Process`, whose run loop needs a
    /// socket pair on the loopback that is still down.
    static func privateLoopbackAndResolver(directory: URL) throws {
        let resolvConf = directory.appendingPathComponent("resolv.conf")
        try "nameserver 127.0.0.1\n".write(to: resolvConf, atomically: true, encoding: .utf8)
        for command in [["/usr/sbin/ip", "link", "set", "lo", "up"], ["/usr/bin/mount", "--bind", resolvConf.path, "/etc/resolv.conf"]] {
            let process = try ChildProcess(command[0], Array(command.dropFirst()))
            guard process.waitForExit(timeout: 10), process.exitCode == 0 else {
                throw BenchmarkError("\(command.joined(separator: " ")) failed")
            }
        }
    }

    /// The `index`th benchmark message: the same text with its own Subject and Message-ID,
    /// signed by dkimpy (relaxed/relaxed, rsa-sha256). Its envelope sender passes SPF in
    /// another domain, so DMARC passes only through DKIM: for the pair, only when OpenDMARC
    /// took OpenDKIM's result from the field OpenDKIM added.
    static func signedMessage(_ index: Int, signer: DKIMTestSigner, key: DKIMTestSigner.Key) throws -> BlockingMilterClient.Message {
        BlockingMilterClient.Message(try signer.sign(messageText(index), key: key, domain: "example.com"),
                                     sender: "<bounce@example.net>", recipient: "<bob@example.org>")
    }

    /// The `index`th benchmark message unsigned, from `from`, with `paragraphs` of 176 bytes.
    static func messageText(_ index: Int, from: String = "Alice Example <alice@example.com>", paragraphs: Int = 19) -> [UInt8] {
        let paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\r\n"
            + "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.\r\n\r\n"
        let text = """
            From: \(from)\r
            To: Bob Example <bob@example.org>\r
            Subject: Quarterly figures, part \(index + 1)\r
            Date: Sun, 29 Nov 2026 04:46:56 +0000\r
            Message-ID: <20261129044656.\(index)@mail.example.com>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r

            """ + String(repeating: paragraph, count: paragraphs)
        return Array(text.utf8)
    }
}
