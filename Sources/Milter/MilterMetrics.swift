import Auth
import Metrics

/// What the milter counts for `/metrics`; the daemon chooses where the figures go by bootstrapping
/// the metrics system, and without that they cost next to nothing.
enum MilterMetrics {
    /// The time from the end of a message to its verdict: the DNS lookups left by then (DKIM
    /// keys, the DMARC record) and the signature checks.
    static let verdictDuration = Timer(label: "dmarcd_verdict_duration_seconds")

    /// One message checked, by its DMARC result and what was done with it.
    static func countMessage(result: DMARCResult, disposition: MessageEvaluation.Disposition) {
        Counter(label: "dmarcd_messages_total",
                dimensions: [("dmarc", result.rawValue), ("disposition", disposition.rawValue)]).increment()
    }
}
