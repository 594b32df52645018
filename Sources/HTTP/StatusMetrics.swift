import Prometheus
import Store

/// `/metrics` in the Prometheus text format: what the milter and the resolver counted, plus the
/// history writer's state read at each scrape.
struct StatusMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let history: HistoryReader
    let status: @Sendable () -> DaemonStatus

    func exposition() -> [UInt8] {
        let status = status()
        let writer = status.historyWriter
        gauge("dmarcd_history_queue_records", "Records waiting to be written to the history", writer.queuedRecords)
        gauge("dmarcd_history_queue_capacity", "Most records that can wait", writer.queueCapacity)
        gauge("dmarcd_history_written_records", "Records written since the daemon started", writer.writtenRecords)
        gauge("dmarcd_history_dropped_records", "Records dropped because the queue was full", writer.droppedRecords)
        gauge("dmarcd_history_database_bytes", "Size of the history database and its log", history.fileSize)
        gauge("dmarcd_healthy", "1 when /healthz answers 200", status.problems.isEmpty ? 1 : 0)
        if let store = try? history.store() {
            let deliveries = (try? store.outboxCounts()) ?? [:]
            for state in OutboxReport.State.allCases {
                gauge("dmarcd_report_deliveries", "Aggregate report deliveries in the outbox by state",
                      deliveries[state] ?? 0, labels: [("state", state.rawValue)])
            }
            if let run = try? store.lastReportRun() {
                gauge("dmarcd_report_last_run_timestamp_seconds", "When the report scheduler last ran",
                      Int(run.time.timeIntervalSince1970))
            }
        }
        return registry.emitToBuffer()
    }

    /// Sets the gauge `name` (with `labels`) to `value`, creating it at the first scrape.
    private func gauge(_ name: String, _ help: String, _ value: Int, labels: [(String, String)] = []) {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
            .set(Double(value))
    }
}
