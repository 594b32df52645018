import Foundation

/// The built `dmarcd` binary running as a daemon, as an administrator starts it: from a
/// configuration file, logging to standard error. Tests that need a whole milter (real MTA,
/// miltertest, signals) use it instead of the in-process server so that configuration loading,
/// socket setup and shutdown are part of what they prove.
///
/// Stopped by ``stop()`` or when the value is released; its folder goes with it.
public final class DaemonUnderTest: @unchecked Sendable {
    /// The folder holding the configuration file, the log and anything else a test puts there.
    public let directory: URL
    /// The file dmarcd's standard output and error go to.
    public let logFile: URL
    private let process: ChildProcess

    /// Writes `configuration` (`Key value` lines) to a file and runs `dmarcd run --config FILE`.
    ///
    /// - Parameters:
    ///   - umask: the file-creation mask dmarcd starts with, as systemd's `UMask=` sets it; it
    ///     decides who may connect to a `local:` socket (the MTA runs as another user).
    ///   - environment: variables added to dmarcd's environment.
    public convenience init(configuration: [String], umask: mode_t? = nil, environment: [String: String] = [:],
                            readyWithin timeout: TimeInterval = 20) throws {
        let directory = try Self.makeDirectory()
        let file = directory.appendingPathComponent("dmarcd.conf")
        var lines = configuration
        if !lines.contains(where: { $0.lowercased().hasPrefix("databasepath") }) {
            lines.append("DatabasePath \(Self.databasePath(in: directory))")
        }
        // Many daemons run side by side in the tests; only those that test the status page serve it.
        if !lines.contains(where: { $0.lowercased().hasPrefix("httplisten") }) {
            lines.append("HTTPListen none")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        try self.init(directory: directory, arguments: ["run", "--config", file.path], umask: umask,
                      environment: environment, readyWithin: timeout)
    }

    /// Runs `dmarcd` with `arguments`, which must make it serve (`run ...`).
    public convenience init(arguments: [String], umask: mode_t? = nil, environment: [String: String] = [:],
                            readyWithin timeout: TimeInterval = 20) throws {
        let directory = try Self.makeDirectory()
        var arguments = arguments
        if !arguments.contains(where: { $0.hasPrefix("DatabasePath=") }) {
            arguments += ["--set", "DatabasePath=\(Self.databasePath(in: directory))"]
        }
        if !arguments.contains(where: { $0.hasPrefix("HTTPListen=") }) {
            arguments += ["--set", "HTTPListen=none"]
        }
        try self.init(directory: directory, arguments: arguments, umask: umask,
                      environment: environment, readyWithin: timeout)
    }

    /// The history database of a daemon under test, in its own folder: never the system's.
    public static func databasePath(in directory: URL) -> String {
        directory.appendingPathComponent("history.sqlite").path
    }

    private init(directory: URL, arguments: [String], umask: mode_t?, environment: [String: String],
                 readyWithin timeout: TimeInterval) throws {
        self.directory = directory
        logFile = directory.appendingPathComponent("dmarcd.log")
        var command = [BuiltProducts.executable("dmarcd")] + arguments
        if !environment.isEmpty {
            command = ["/usr/bin/env"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + command
        }
        if let umask {
            // posix_spawn cannot set a umask, so a shell sets it and then becomes dmarcd (exec
            // keeps the process id that signals go to; so does env).
            command = ["/bin/sh", "-c", "umask \(String(umask, radix: 8)) && exec \"$0\" \"$@\""] + command
        }
        do {
            process = try ChildProcess(command[0], Array(command.dropFirst()), logFile: logFile.path)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        do {
            try waitUntilServing(timeout: timeout)
        } catch {
            process.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The process id signals go to.
    public var pid: pid_t { process.pid }

    /// dmarcd's exit code once it has exited normally.
    public var exitCode: Int32? { process.exitCode }

    /// Everything dmarcd has logged so far.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// The last `count` lines of the log, for a failing test's message.
    public func logTail(_ count: Int = 30) -> String {
        "dmarcd log (last \(count) lines):\n" + log.split(separator: "\n").suffix(count).joined(separator: "\n")
    }

    /// Sends `signal` (SIGHUP, SIGTERM, ...) to dmarcd alone.
    public func send(_ signal: Int32) {
        process.send(signal)
    }

    /// Waits up to `timeout` for dmarcd to exit; true if it did.
    public func waitForExit(timeout: TimeInterval) -> Bool {
        process.waitForExit(timeout: timeout)
    }

    /// Waits up to `timeout` for a log line containing `text` and returns that line, or nil.
    /// dmarcd logs each message's verdict after it answers the MTA, so a test that has its SMTP
    /// reply may still have to wait for the line.
    public func waitForLogLine(containing text: String, timeout: TimeInterval = 10) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let line = log.split(separator: "\n").first(where: { $0.contains(text) }) {
                return String(line)
            }
            usleep(20_000)
        } while Date() < deadline
        return nil
    }

    /// Stops dmarcd with SIGTERM (then SIGKILL after `grace`) and returns its exit code; the log
    /// stays readable until the value is released.
    @discardableResult
    public func stop(grace: TimeInterval = 15) -> Int32? {
        process.stop(grace: grace)
        return process.exitCode
    }

    private static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Both lines come once the socket is bound and the service group traps SIGTERM: before
    /// that, a connection or a signal would meet a daemon that is not ready for it.
    private func waitUntilServing(timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = log
            if text.contains("milter listening on") && text.contains("DNS queries go to") { return }
            guard process.isRunning else {
                throw TestServerError(description: "dmarcd exited with \(process.exitCode.map(String.init) ?? "a signal") before serving:\n\(text)")
            }
            usleep(20_000)
        }
        throw TestServerError(description: "dmarcd did not serve within \(Int(timeout)) s:\n\(log)")
    }
}
