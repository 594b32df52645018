import App
import Dispatch

// The command runs in a detached task while the main thread waits here. With an async top level
// the Swift runtime would park the main thread for good (it calls pthread_exit), and a parked
// thread keeps the credentials it had: after `UserID` switched every running thread away from
// root, `ps` would still show the process as root.
let finished = DispatchSemaphore(value: 0)
Task.detached {
    await DmarcdCommand.main()
    finished.signal()
}
finished.wait()
