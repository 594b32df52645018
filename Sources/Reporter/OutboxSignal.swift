import Synchronization

/// Tells the report scheduler that the outbox has new deliveries due, so that a failure report
/// stored a moment ago goes out within a fraction of a second instead of at the next poll.
///
/// A flag rather than a queue: any number of reports stored during one run need one more run.
/// A raise during a run is kept, so the run after it starts at once.
public final class OutboxSignal: Sendable {
    /// How often a waiting scheduler looks at the flag.
    static let step: Duration = .milliseconds(200)

    private let raised = Atomic<Bool>(false)

    public init() {}

    /// Asks for a run soon; never waits.
    public func raise() {
        raised.store(true, ordering: .releasing)
    }

    /// Returns once raised, after `timeout`, or when the task is cancelled.
    func wait(atMost timeout: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !Task.isCancelled {
            if raised.exchange(false, ordering: .acquiringAndReleasing) { return }
            let left = deadline - clock.now
            guard left > .zero else { return }
            try? await Task.sleep(for: min(Self.step, left))
        }
    }
}
