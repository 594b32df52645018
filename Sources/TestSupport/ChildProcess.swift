import Foundation

/// A server program started by a test, in a process group of its own, with default signal
/// handling: children of Foundation's `Process` inherit the test runner's blocked signals and
/// then ignore SIGTERM, which left servers running after the tests.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var exited = false
    private var exitStatus: Int32?
    private let lock = NSLock()

    /// Starts `executable` with `arguments` and this process's environment plus `environment`;
    /// standard output and error go to `logFile` (or nowhere).
    public init(_ executable: String, _ arguments: [String], logFile: String? = nil,
                environment: [String: String] = [:]) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw TestServerError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
    }

    deinit {
        stop()
    }

    /// True while the program has not exited.
    public var isRunning: Bool {
        lock.withLock {
            guard !exited else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { record(status) }
            return !exited
        }
    }

    /// The exit code once the program has exited normally; nil while it runs or after a signal.
    public var exitCode: Int32? {
        _ = isRunning
        return lock.withLock { exitStatus }
    }

    /// Sends `signal` to the program alone.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits up to `timeout` for the program to exit; true if it did.
    public func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            guard Date() < deadline else { return false }
            usleep(10_000)
        }
        return true
    }

    /// Must be called with `lock` held.
    private func record(_ status: Int32) {
        exited = true
        // WIFEXITED and WEXITSTATUS, which Swift does not import.
        if status & 0x7F == 0 { exitStatus = (status >> 8) & 0xFF }
    }

    /// Sends SIGTERM to the program's whole process group and waits up to `grace` for it to
    /// exit, then kills the group.
    public func stop(grace: TimeInterval = 5) {
        guard isRunning else { return }
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline {
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        lock.withLock {
            if !exited {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                record(status)
            }
        }
    }
}
