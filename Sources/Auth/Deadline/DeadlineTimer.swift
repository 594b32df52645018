import Foundation
import HeapModule

#if canImport(Glibc)
import Glibc
#endif

/// Runs short actions at their deadlines on one thread of its own, and forgets a cancelled one
/// at once.
///
/// Every checked message has two deadlines (SPF's, RFC 7208 §4.6.4, and the message's), and
/// nearly every message ends long before them. A task sleeping until each deadline cannot be
/// taken back: Swift's `Task.sleep` answers cancellation at once but leaves its timer and task
/// in memory until the time it slept for, 20 and 60 seconds. At a thousand messages a second
/// that kept tens of megabytes of finished messages' timers alive.
///
/// Here a cancelled registration drops its action immediately; its entry leaves the heap as soon
/// as no earlier live one stands before it. The thread sleeps until the earliest deadline and is
/// only woken when a new one comes earlier, which deadlines of one length never do.
public final class DeadlineTimer: @unchecked Sendable {
    /// The timer every deadline in the process uses.
    public static let shared = DeadlineTimer()

    /// What ``cancel(_:)`` takes back.
    public struct Registration: Sendable {
        fileprivate let id: UInt64
    }

    private struct Entry: Comparable {
        var deadline: UInt64
        var id: UInt64

        static func < (left: Entry, right: Entry) -> Bool {
            (left.deadline, left.id) < (right.deadline, right.id)
        }
    }

    // Allocated, not stored inline: a pthread mutex or condition must not move, and Swift does
    // not promise a stable address for `&property`. The state below is guarded by `mutex`;
    // `condition` wakes the thread when an earlier deadline arrives.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var entries = Heap<Entry>()
    private var actions: [UInt64: @Sendable () -> Void] = [:]
    private var nextID: UInt64 = 0
    /// The deadline the thread sleeps until; `.max` while it waits for any, nil while it runs.
    private var sleepsUntil: UInt64?
    private var threadStarted = false

    init() {
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines are measured on the monotonic clock: a step of the wall clock must not move them.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    // Only a timer whose thread never started can end: a started thread keeps it alive.
    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `action` on the timer's thread once `delay` has passed, unless cancelled before.
    /// The action must be short: the next deadlines wait for it.
    public func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> Registration {
        let deadline = Self.now() &+ Self.nanoseconds(delay)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        nextID += 1
        let entry = Entry(deadline: deadline, id: nextID)
        entries.insert(entry)
        actions[entry.id] = action
        if !threadStarted {
            threadStarted = true
            let thread = Thread { [self] in runLoop() }
            thread.name = "dmarcd.deadlines"
            thread.start()
        } else if let sleepsUntil, deadline < sleepsUntil {
            pthread_cond_signal(condition)
        }
        return Registration(id: entry.id)
    }

    /// Drops the action of `registration` if it has not run yet.
    public func cancel(_ registration: Registration) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        actions[registration.id] = nil
        dropCancelledFirstEntries()
    }

    /// Registrations whose action is still to run.
    var pendingCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return actions.count
    }

    /// Entries kept in the heap, cancelled ones included.
    var entryCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return entries.count
    }

    /// Called with the mutex held.
    private func dropCancelledFirstEntries() {
        while let first = entries.min, actions[first.id] == nil {
            entries.removeMin()
        }
    }

    private func runLoop() {
        pthread_mutex_lock(mutex)
        while true {
            dropCancelledFirstEntries()
            guard let first = entries.min else {
                sleepsUntil = .max
                pthread_cond_wait(condition, mutex)
                continue
            }
            if first.deadline <= Self.now() {
                entries.removeMin()
                let action = actions.removeValue(forKey: first.id)
                sleepsUntil = nil
                pthread_mutex_unlock(mutex)
                action?()
                pthread_mutex_lock(mutex)
                continue
            }
            sleepsUntil = first.deadline
            var wakeAt = timespec(tv_sec: Int(first.deadline / 1_000_000_000),
                                  tv_nsec: Int(first.deadline % 1_000_000_000))
            pthread_cond_timedwait(condition, mutex, &wakeAt)
        }
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? UInt64.max / 2 : whole &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
