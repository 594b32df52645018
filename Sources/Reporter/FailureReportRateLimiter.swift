import Foundation

/// At most a fixed number of failure reports per key (a destination address, a policy domain)
/// in a sliding window. RFC 9991 §2 requires a rate limit; §5.1 and §8.1 suggest one per
/// recipient, the remainder discarded; a cap per policy domain and day keeps one forged domain
/// from using up a sender's reputation.
///
/// Memory stays bounded: a key is forgotten once its window has passed, and while the table is
/// full a new key gets nothing (a flood of forged domains cannot push the limits of the others
/// out).
public struct FailureReportRateLimiter: Sendable {
    /// Reports one key may get per window.
    public let limit: Int
    public let window: TimeInterval
    /// Keys remembered at once.
    public let maximumKeys: Int
    private var sendTimes: [String: [Date]] = [:]

    public init(limit: Int, window: TimeInterval, maximumKeys: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.maximumKeys = maximumKeys
    }

    /// True, and counted, when `key` may get a report at `now`; keys are compared without
    /// regard to case.
    public mutating func admit(_ key: String, at now: Date) -> Bool {
        let key = key.lowercased()
        let recent = (sendTimes[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < limit else {
            sendTimes[key] = recent
            return false
        }
        if sendTimes[key] == nil, sendTimes.count >= maximumKeys {
            forgetExpired(at: now)
            guard sendTimes.count < maximumKeys else { return false }
        }
        sendTimes[key] = recent + [now]
        return true
    }

    private mutating func forgetExpired(at now: Date) {
        sendTimes = sendTimes.filter { _, times in times.contains { now.timeIntervalSince($0) < window } }
    }
}
