import NIOConcurrencyHelpers

/// Runs an evaluation against a deadline: whichever ends first, the evaluation or the deadline,
/// gives the value, and the other is cancelled.
///
/// A task group would be the structured way, but a group returns only once every child has
/// ended, so a resolver that ignores cancellation and never answers would hold the caller past
/// its deadline (RFC 7208 §4.6.4 wants temperror then). Here the caller resumes as soon as the
/// deadline passes; a stuck evaluation is cancelled and left to end on its own.
enum SPFDeadline {
    static func run<Value: Sendable>(
        within deadline: Duration,
        _ operation: @escaping @Sendable () async -> Value,
        onTimeout: @escaping @Sendable () -> Value
    ) async -> Value {
        let race = Race<Value>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.wait(with: continuation)
                let worker = Task { race.finish(await operation()) }
                let timer = Task {
                    try? await Task.sleep(for: deadline)
                    race.finish(onTimeout())
                }
                race.track([worker, timer])
            }
        } onCancel: {
            race.finish(onTimeout())
        }
    }

    /// The first `finish` wins: it resumes the waiting caller and cancels the tasks.
    private final class Race<Value: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Value, Never>?
            var value: Value?
            var tasks: [Task<Void, Never>] = []
            var isFinished = false
        }

        private let state = NIOLockedValueBox(State())

        func wait(with continuation: CheckedContinuation<Value, Never>) {
            let ready = state.withLockedValue { state -> Value? in
                if let value = state.value { return value }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }

        func track(_ tasks: [Task<Void, Never>]) {
            let isFinished = state.withLockedValue { state in
                if !state.isFinished { state.tasks = tasks }
                return state.isFinished
            }
            if isFinished { tasks.forEach { $0.cancel() } }
        }

        func finish(_ value: Value) {
            let (continuation, tasks) = state.withLockedValue { state -> (CheckedContinuation<Value, Never>?, [Task<Void, Never>]) in
                guard !state.isFinished else { return (nil, []) }
                state.isFinished = true
                defer { state.continuation = nil; state.tasks = [] }
                if state.continuation == nil { state.value = value }
                return (state.continuation, state.tasks)
            }
            continuation?.resume(returning: value)
            tasks.forEach { $0.cancel() }
        }
    }
}
