import Foundation

/// The doctor's findings kept for a while, so that a page asking for them on every load asks
/// the DNS at most once per ``maxAge``; callers arriving while a check runs wait for that one.
public actor CachedSetupCheck {
    /// Findings and when the check that found them started.
    public struct Result: Sendable {
        public var checkedAt: Date
        public var findings: [Finding]
    }

    private let maxAge: Duration
    private let clock: @Sendable () -> ContinuousClock.Instant
    private let check: @Sendable () async -> [Finding]
    private var current: (startedAt: ContinuousClock.Instant, task: Task<Result, Never>)?

    /// - Parameters:
    ///   - maxAge: how long findings are handed out before the next caller starts a new check.
    ///   - clock: the time now; tests pass their own.
    ///   - check: runs the doctor.
    public init(maxAge: Duration = .seconds(300),
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
                check: @escaping @Sendable () async -> [Finding]) {
        self.maxAge = maxAge
        self.clock = clock
        self.check = check
    }

    /// The findings of the latest check, after running one if there is none younger than
    /// ``maxAge``.
    public func findings() async -> Result {
        let now = clock()
        if let current, current.startedAt.duration(to: now) < maxAge {
            return await current.task.value
        }
        let check = self.check
        let task = Task { Result(checkedAt: Date(), findings: await check()) }
        current = (now, task)
        return await task.value
    }
}
