import NIOCore

/// Runs tasks on one NIO event loop. A message's checks run on its connection's loop: with
/// the DNS answers in the cache they finish without leaving that thread, where on the global
/// executor each task woke a cooperative thread and each answer woke the loop again.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
