import Foundation

/// At most a fixed number of failure reports per destination address in a sliding window
/// (RFC 9991 §2 requires a rate limit; §5.1 and §8.1 suggest one per recipient, the remainder
/// discarded).
///
/// Memory stays bounded: a destination is forgotten once its window has passed, and while the
/// table is full a new destination gets nothing (a flood of forged domains cannot push the
/// limits of the others out).
public struct FailureReportRateLimiter: Sendable {
    /// Reports one destination may get per window.
    public let reportsPerDestination: Int
    public let window: TimeInterval
    /// Destinations remembered at once.
    public let maximumDestinations: Int
    private var sendTimes: [String: [Date]] = [:]

    public init(reportsPerDestination: Int, window: TimeInterval = 3600, maximumDestinations: Int = 10_000) {
        self.reportsPerDestination = reportsPerDestination
        self.window = window
        self.maximumDestinations = maximumDestinations
    }

    /// True, and counted, when `destination` may get a report at `now`; addresses are compared
    /// without regard to case.
    public mutating func admit(_ destination: String, at now: Date) -> Bool {
        let key = destination.lowercased()
        let recent = (sendTimes[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < reportsPerDestination else {
            sendTimes[key] = recent
            return false
        }
        if sendTimes[key] == nil, sendTimes.count >= maximumDestinations {
            forgetExpired(at: now)
            guard sendTimes.count < maximumDestinations else { return false }
        }
        sendTimes[key] = recent + [now]
        return true
    }

    private mutating func forgetExpired(at now: Date) {
        sendTimes = sendTimes.filter { _, times in times.contains { now.timeIntervalSince($0) < window } }
    }
}
