import Foundation
import Store

/// Takes what arrives (a file, a message, an mbox file), finds the aggregate reports in it with
/// ``ReportIngester`` and stores each once in the history; `dmarcd ingest` and the daemon share it.
public struct ReportIntake: Sendable {
    /// What became of one report, or of one piece that should have been one.
    public enum Result: Sendable, Hashable {
        case stored(AggregateReport, origin: String)
        /// The reporter's report with this `report_id` was stored before.
        case duplicate(AggregateReport, origin: String)
        case rejected(origin: String, reason: String)
    }

    public let store: HistoryStore
    public let ingester: ReportIngester

    public init(store: HistoryStore, ingester: ReportIngester = ReportIngester()) {
        self.store = store
        self.ingester = ingester
    }

    /// Ingests `bytes` that came from `source` (a file path or a queue id). Throws only when the
    /// history cannot be written; a report that cannot be read is a ``Result/rejected(origin:reason:)``.
    public func ingest(_ bytes: [UInt8], source: String, receivedAt: Date = Date()) throws -> [Result] {
        let receipt = ReceivedReport.Receipt(source: source, receivedAt: receivedAt, rawSize: bytes.count)
        return try ingester.outcomes(of: bytes, origin: source).map { outcome in
            switch outcome {
            case .report(let report, let origin):
                switch try store.storeReceivedReport(report.receivedReport, receipt: receipt) {
                case .inserted: .stored(report, origin: origin)
                case .duplicate: .duplicate(report, origin: origin)
                }
            case .rejected(let origin, let reason):
                .rejected(origin: origin, reason: reason)
            }
        }
    }
}
