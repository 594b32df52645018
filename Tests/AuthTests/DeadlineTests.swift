@testable import Auth
import NIOConcurrencyHelpers
import Testing

@Suite("Deadlines: the timer thread and the race against it")
struct DeadlineTests {
    /// Records the order in which actions ran.
    final class Fired: Sendable {
        private let names = NIOLockedValueBox<[String]>([])

        func add(_ name: String) { names.withLockedValue { $0.append(name) } }
        var all: [String] { names.withLockedValue { $0 } }
    }

    @Test("actions run once their delay has passed, earliest deadline first", .timeLimit(.minutes(1)))
    func order() async throws {
        let timer = DeadlineTimer()
        let fired = Fired()
        _ = timer.schedule(after: .milliseconds(300)) { fired.add("late") }
        _ = timer.schedule(after: .milliseconds(100)) { fired.add("early") }
        _ = timer.schedule(after: .milliseconds(200)) { fired.add("middle") }
        try await Task.sleep(for: .milliseconds(50))
        #expect(fired.all.isEmpty)
        while fired.all.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(fired.all == ["early", "middle", "late"])
        #expect(timer.pendingCount == 0)
    }

    @Test("a deadline earlier than the one the thread sleeps towards wakes it", .timeLimit(.minutes(1)))
    func earlierDeadlineWakesTheThread() async throws {
        let timer = DeadlineTimer()
        let fired = Fired()
        let clock = ContinuousClock()
        _ = timer.schedule(after: .seconds(3600)) { fired.add("an hour") }
        try await Task.sleep(for: .milliseconds(50))
        let start = clock.now
        _ = timer.schedule(after: .milliseconds(50)) { fired.add("soon") }
        while fired.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(fired.all == ["soon"])
        #expect(clock.now - start < .seconds(5))
    }

    @Test("a cancelled registration never runs, and neither it nor its entry stays in memory")
    func cancelledRegistrationsAreForgotten() async throws {
        let timer = DeadlineTimer()
        let fired = Fired()
        let registrations = (0..<1000).map { index in
            timer.schedule(after: .milliseconds(100 + index)) { fired.add("\(index)") }
        }
        // Messages end in any order: the ones behind a live first entry wait for it.
        for registration in registrations.reversed() { timer.cancel(registration) }
        #expect(timer.pendingCount == 0)
        #expect(timer.entryCount == 0)
        try await Task.sleep(for: .milliseconds(1300))
        #expect(fired.all.isEmpty)
    }

    @Test("evaluations that end in time leave no timer behind", .timeLimit(.minutes(1)))
    func finishedInTime() async {
        let timer = DeadlineTimer()
        for index in 0..<1000 {
            let value = await Deadline.run(within: .seconds(60), timer: timer) { index } onTimeout: { -1 }
            #expect(value == index)
        }
        #expect(timer.pendingCount == 0)
        #expect(timer.entryCount == 0)
    }

    @Test("an evaluation that never ends gives the timeout's value by the deadline and is cancelled",
          .timeLimit(.minutes(1)))
    func evaluationThatNeverEnds() async {
        let clock = ContinuousClock()
        let start = clock.now
        let cancelled = Fired()
        let value = await Deadline.run(within: .milliseconds(100)) {
            // Sleeps far past the deadline unless cancelled.
            try? await Task.sleep(for: .seconds(3600))
            if Task.isCancelled { cancelled.add("cancelled") }
            return "finished"
        } onTimeout: {
            "timed out"
        }
        #expect(value == "timed out")
        #expect(clock.now - start < .seconds(10))
        while cancelled.all.isEmpty { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
