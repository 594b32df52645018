#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One run of a sendmail command on a thread of its own: spawn, feed standard input, collect
/// output, wait for the exit, all bounded by one deadline.
enum SendmailRun {
    enum Outcome: Sendable, Hashable {
        case exited(Int32, output: [UInt8])
        case killed(signal: Int32, output: [UInt8])
        case timedOut(output: [UInt8])
        case notStarted(String)
    }

    static func run(program: String, arguments: [String], input: [UInt8], deadline: ContinuousClock.Instant) -> Outcome {
        // Both streams are sockets, not pipes: send(MSG_NOSIGNAL) to a command that exited early
        // fails with EPIPE instead of raising SIGPIPE in the daemon, and SOCK_CLOEXEC keeps them
        // out of programs other threads start meanwhile.
        var inputPair: [Int32] = [-1, -1]
        var outputPair: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &inputPair) == 0 else {
            return .notStarted("socketpair: \(String(cString: strerror(errno)))")
        }
        guard socketpair(AF_UNIX, type, 0, &outputPair) == 0 else {
            let reason = String(cString: strerror(errno))
            inputPair.forEach { close($0) }
            return .notStarted("socketpair: \(reason)")
        }
        let pid: pid_t
        switch spawn(program: program, arguments: arguments, input: inputPair[1], output: outputPair[1]) {
        case .success(let child): pid = child
        case .failure(let reason):
            (inputPair + outputPair).forEach { close($0) }
            return .notStarted(reason)
        }
        close(inputPair[1])
        close(outputPair[1])
        defer {
            close(inputPair[0])
            close(outputPair[0])
        }
        _ = fcntl(inputPair[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(outputPair[0], F_SETFL, O_NONBLOCK)
        var output: [UInt8] = []
        var written = 0
        var inputOpen = true
        var outputOpen = true
        while true {
            // Once the input is written, the exit decides: a child the command leaves behind may
            // keep the output open long after.
            if !inputOpen {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid {
                    if outputOpen { readAvailable(outputPair[0], into: &output) }
                    return outcome(status: status, output: output)
                }
                if result < 0 && errno != EINTR { return .exited(-1, output: output) }
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return killGroup(pid, output: output) }
            var descriptors: [pollfd] = []
            if inputOpen { descriptors.append(pollfd(fd: inputPair[0], events: Int16(POLLOUT), revents: 0)) }
            if outputOpen { descriptors.append(pollfd(fd: outputPair[0], events: Int16(POLLIN), revents: 0)) }
            let wait = min(remaining, inputOpen ? .seconds(1) : .milliseconds(20))
            let milliseconds = Int32(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&descriptors, nfds_t(descriptors.count), milliseconds) >= 0 || errno == EINTR else {
                return killGroup(pid, output: output)
            }
            if inputOpen {
                let count = input.count - written
                let sent = count == 0 ? 0 : input.withUnsafeBytes {
                    send(inputPair[0], $0.baseAddress! + written, count, Int32(MSG_NOSIGNAL))
                }
                if sent > 0 { written += sent }
                // A command that stops reading early is judged by its exit status alone.
                if written == input.count || (sent < 0 && errno != EAGAIN && errno != EINTR) {
                    shutdown(inputPair[0], Int32(SHUT_WR))
                    inputOpen = false
                }
            }
            if outputOpen {
                outputOpen = readAvailable(outputPair[0], into: &output)
            }
        }
    }

    /// Reads what `descriptor` (non-blocking) has now, keeping up to the output limit; false at
    /// its end.
    @discardableResult
    private static func readAvailable(_ descriptor: Int32, into output: inout [UInt8]) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                output.append(contentsOf: buffer.prefix(min(count, max(0, SendmailTransport.outputLimit - output.count))))
                continue
            }
            if count < 0 && errno == EINTR { continue }
            return count < 0 && errno == EAGAIN
        }
    }

    private static func outcome(status: Int32, output: [UInt8]) -> Outcome {
        // <sys/wait.h> macros, which Swift does not import.
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff, output: output) }
        return .killed(signal: signal, output: output)
    }

    private static func killGroup(_ pid: pid_t, output: [UInt8]) -> Outcome {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return .timedOut(output: output)
    }

    private enum Spawned {
        case success(pid_t)
        case failure(String)
    }

    /// The command in a new process group (so a kill reaches its children too), with an empty
    /// signal mask and default dispositions: the daemon blocks and handles signals the command
    /// must not inherit.
    private static func spawn(program: String, arguments: [String], input: Int32, output: Int32) -> Spawned {
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
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        guard status == 0 else { return .failure(String(cString: strerror(status))) }
        return .success(pid)
    }
}
