import Auth
import DNS
import Foundation
import Logging
import Store
import TestSupport

/// The history store on a real SQLite file in a temporary directory: records per second through
/// the milter's writer (group commits), the import rate of a 100,000-record OpenDMARC history
/// file, and the bytes of database per message.
enum StoreBenchmark {
    static let records = 100_000

    static func run() async {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try await writer(path: directory.appendingPathComponent("writer.sqlite").path)
            try importer(directory: directory)
        } catch {
            print("Store benchmark failed: \(error)")
        }
    }

    /// Enqueues every record at once, as a burst of mail would, and waits until all are written.
    private static func writer(path: String) async throws {
        let store = try HistoryStore.open(path: path)
        var settings = HistoryWriter.Settings()
        settings.queueCapacity = records
        let writer = HistoryWriter(settings: settings, logger: Logger(label: "bench")) { store }
        let evaluations = (0..<1_000).map(evaluation)
        let running = Task { await writer.run() }
        let clock = ContinuousClock()
        let start = clock.now
        let startCPU = processorSeconds()
        // No suspension point in the loop, so it runs on one thread whose time is its cost.
        let startThreadCPU = processorSeconds(ofThread: true)
        for index in 0..<records { writer.enqueue(evaluations[index % evaluations.count]) }
        let enqueued = processorSeconds(ofThread: true) - startThreadCPU
        guard await writer.flush(timeout: .seconds(600)) else { throw BenchmarkError("writer did not finish") }
        let elapsed = clock.now - start
        let cpu = processorSeconds() - startCPU
        writer.finish()
        await running.value
        try store.reclaimSpace()
        print("Store: \(records) evaluations through the history writer (group commits of 500 rows)")
        Report.figure("Store: enqueue, CPU ns per message (the milter's cost)", enqueued / Double(records) * 1e9)
        Report.figure("Store: writer, records written per second", Double(records) / elapsed.seconds)
        Report.figure("Store: writer, records written per CPU second", Double(records) / cpu)
        Report.figure("Store: bytes of database per message (1 DKIM signature)", Double(store.fileSize()) / Double(records))
    }

    /// OpenDMARC's own import into MySQL manages about 560 records per second on this hardware.
    private static func importer(directory: URL) throws {
        let file = directory.appendingPathComponent("opendmarc.dat")
        try SyntheticOpenDMARCHistory.text(records: records).write(to: file, atomically: false, encoding: .utf8)
        let store = try HistoryStore.open(path: directory.appendingPathComponent("import.sqlite").path)
        let clock = ContinuousClock()
        let start = clock.now
        let startCPU = processorSeconds()
        let summary = try store.importOpenDMARCHistory(path: file.path)
        let elapsed = clock.now - start
        let cpu = processorSeconds() - startCPU
        guard summary.imported == records, summary.problems.isEmpty else {
            throw BenchmarkError("import: \(summary.imported) imported, problems \(summary.problems.prefix(3))")
        }
        let again = clock.measure { _ = try? store.importOpenDMARCHistory(path: file.path) }
        try store.reclaimSpace()
        print("Store: OpenDMARC history file of \(records) records, "
              + "\((try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0) bytes")
        Report.figure("Store: import, records per second", Double(records) / elapsed.seconds)
        Report.figure("Store: import, records per CPU second", Double(records) / cpu)
        Report.figure("Store: re-import of the same file (adds nothing), records per second",
                      Double(records) / again.seconds)
        Report.figure("Store: bytes of database per imported message", Double(store.fileSize()) / Double(records))
        Report.ratio("Store: import rate / opendmarc-import into MySQL (560 per second)",
                     Double(records) / elapsed.seconds / 560)
    }

    /// User and system time of the whole process (or the calling thread) so far: the rate per
    /// CPU second does not depend on what else the machine runs meanwhile.
    private static func processorSeconds(ofThread: Bool = false) -> Double {
        var usage = rusage()
        // RUSAGE_THREAD (1) is a GNU extension that Glibc's Swift overlay does not import.
        getrusage(ofThread ? 1 : __rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// A message from one of 50 domains with SPF and one DKIM signature checked, DMARC passing.
    private static func evaluation(_ index: Int) -> MessageEvaluation {
        let domain = "sender\(index % 50).example"
        let ip = IPAddress("192.0.2.\(index % 250 + 1)")!
        let spf = SPFOutcome(result: .pass, identity: .mailFrom, domain: domain, sender: "bounce@\(domain)", clientIP: ip,
                             matches: [.init(domain: domain, directive: "ip4:192.0.2.0/24")])
        let dkim = DKIMResult(status: .pass, domain: domain, selector: "s2026", algorithm: "rsa-sha256",
                              key: .init(type: "rsa", bits: 2048, isTesting: false))
        var dmarc = DMARCOutcome(result: .pass, authorDomain: domain)
        dmarc.policyDomain = domain
        dmarc.record = try? DMARCRecord(parsing: "v=DMARC1; p=quarantine; rua=mailto:dmarc@\(domain)")
        dmarc.dkim = [DMARCIdentifierCheck(mechanism: .dkim(selector: "s2026"), domain: domain, result: .pass,
                                           mode: .relaxed, alignment: .strict)]
        let verdict = MessageVerdict(authservID: "mx.example.net", spf: spf, dkim: [dkim], dmarc: dmarc,
                                     forgedAuthenticationResults: [])
        return MessageEvaluation(time: Date(), queueID: String(format: "4F%08X", index),
                                 envelope: .init(clientIP: ip, helo: "mail.\(domain)", mailFrom: "<bounce@\(domain)>"),
                                 recipientDomains: ["example.net"], verdict: verdict, disposition: .pass)
    }
}
