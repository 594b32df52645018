import Prometheus
import Store

/// `/metrics` in the Prometheus text format: what the milter and the resolver counted, plus the
/// history writer's state read at each scrape.
struct StatusMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let history: HistoryReader
    let status: @Sendable () -> DaemonStatus

    func exposition() -> [UInt8] {
        let writer = status().historyWriter
        registry.makeGauge(name: "dmarcd_history_queue_records", help: "Records waiting to be written to the history")
            .set(Double(writer.queuedRecords))
        registry.makeGauge(name: "dmarcd_history_queue_capacity", help: "Most records that can wait")
            .set(Double(writer.queueCapacity))
        registry.makeGauge(name: "dmarcd_history_written_records", help: "Records written since the daemon started")
            .set(Double(writer.writtenRecords))
        registry.makeGauge(name: "dmarcd_history_dropped_records", help: "Records dropped because the queue was full")
            .set(Double(writer.droppedRecords))
        registry.makeGauge(name: "dmarcd_history_database_bytes", help: "Size of the history database and its log")
            .set(Double(history.fileSize))
        registry.makeGauge(name: "dmarcd_healthy", help: "1 when /healthz answers 200")
            .set(status().problems.isEmpty ? 1.0 : 0.0)
        return registry.emitToBuffer()
    }
}
