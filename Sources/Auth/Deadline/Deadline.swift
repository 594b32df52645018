import NIOConcurrencyHelpers

/// Runs an evaluation against a deadline: whichever ends first, the evaluation or the deadline,
/// gives the value, and the other is cancelled. SPF's deadline (RFC 7208 §4.6.4) and the
/// milter's deadline per message use it.
///
/// A task group would be the structured way, but a group returns only once every child has
/// ended, so a resolver that ignores cancellation and never answers would hold the caller past
/// its deadline (RFC 7208 §4.6.4 wants temperror then). Here the caller resumes as soon as the
/// deadline passes; a stuck evaluation is cancelled and left to end on its own. The deadline is
/// a ``DeadlineTimer`` registration, which an evaluation that ends in time takes back at once.
///
/// The evaluation's task is a new one, so it runs on `executor`, not on the caller's: pass the
/// caller's executor preference along (the milter's checks run on their connection's event
/// loop); nil runs it on the global executor.
public enum Deadline {
    public static func run<Value: Sendable>(
        within deadline: Duration,
        timer: DeadlineTimer = .shared,
        executor: (any TaskExecutor)? = nil,
        _ operation: @escaping @Sendable () async -> Value,
        onTimeout: @escaping @Sendable () -> Value
    ) async -> Value {
        let race = Race<Value>(timer: timer)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.wait(with: continuation)
                // The registration is in the race before the work starts, so that work which ends
                // at once still takes it back before its caller goes on.
                race.track(timer.schedule(after: deadline) { race.finish(onTimeout()) })
                race.track(Task(executorPreference: executor) { race.finish(await operation()) })
            }
        } onCancel: {
            race.finish(onTimeout())
        }
    }

    /// The first `finish` wins: it resumes the waiting caller, cancels the worker and takes the
    /// timer back.
    private final class Race<Value: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Value, Never>?
            var value: Value?
            var worker: Task<Void, Never>?
            var registration: DeadlineTimer.Registration?
            var isFinished = false
        }

        private let state = NIOLockedValueBox(State())
        private let timer: DeadlineTimer

        init(timer: DeadlineTimer) {
            self.timer = timer
        }

        func wait(with continuation: CheckedContinuation<Value, Never>) {
            let ready = state.withLockedValue { state -> Value? in
                if let value = state.value { return value }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }

        func track(_ registration: DeadlineTimer.Registration) {
            let isFinished = state.withLockedValue { state in
                if !state.isFinished { state.registration = registration }
                return state.isFinished
            }
            if isFinished { timer.cancel(registration) }
        }

        func track(_ worker: Task<Void, Never>) {
            let isFinished = state.withLockedValue { state in
                if !state.isFinished { state.worker = worker }
                return state.isFinished
            }
            if isFinished { worker.cancel() }
        }

        func finish(_ value: Value) {
            let ended: State? = state.withLockedValue { state in
                guard !state.isFinished else { return nil }
                let before = state
                state = State(value: before.continuation == nil ? value : nil, isFinished: true)
                return before
            }
            guard let ended else { return }
            // Taken back before the caller goes on, so that nothing of this race outlives it.
            if let registration = ended.registration { timer.cancel(registration) }
            ended.worker?.cancel()
            ended.continuation?.resume(returning: value)
        }
    }
}
