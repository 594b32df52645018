import Foundation

/// Submits reports through a local `sendmail` command (OpenDMARC's `ReportCommand`), writing the
/// message to its standard input and reading its exit status as sysexits.h defines it.
///
/// The command runs without a shell, in a process group of its own, with default signal
/// handling; at the deadline the whole group is killed, so a hanging command (or a child it left
/// behind holding the output open) cannot hold the reporter up.
public struct SendmailTransport: ReportTransport {
    /// The program and its arguments.
    public var command: [String]
    /// How long the command may take, input and exit included.
    public var timeout: Duration

    /// At most this much of the command's output is kept for the error text.
    static let outputLimit = 4096

    /// A transport running `command` (program first, looked up in `PATH` when it has no `/`).
    public init(command: [String], timeout: Duration = .seconds(60)) {
        precondition(!command.isEmpty, "a sendmail command needs a program")
        self.command = command
        self.timeout = timeout
    }

    /// A transport for a `ReportCommand` line, split into words by ``words(of:)``; nil when the
    /// line has no words or an unclosed quote.
    public init?(commandLine: String, timeout: Duration = .seconds(60)) {
        guard let words = Self.words(of: commandLine), !words.isEmpty else { return nil }
        self.init(command: words, timeout: timeout)
    }

    /// Splits a command line into words as a POSIX shell would without expanding anything:
    /// blanks separate words, `'…'` keeps everything literally, `"…"` keeps everything but `\"`
    /// and `\\`, and `\` outside quotes keeps the next character. Nil for an unclosed quote or a
    /// final lone `\`.
    public static func words(of line: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                while true {
                    guard let next = characters.next() else { return nil }
                    if next == "'" { break }
                    word.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = characters.next() else { return nil }
                    if next == "\"" { break }
                    if next == "\\" {
                        guard let escaped = characters.next() else { return nil }
                        if escaped != "\"" && escaped != "\\" { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(next)
                    }
                }
            case "\\":
                guard let escaped = characters.next() else { return nil }
                word.append(escaped)
                inWord = true
            default:
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    /// The arguments after the program: the configured ones, the envelope sender (`-f`, so the
    /// report's envelope is in the report address's domain and can align, RFC 9990 §3.5.2), and
    /// the recipients unless the command takes them from the header (`-t`): sendmail 8 then
    /// drops command-line recipients, Postfix adds them, so passing none behaves the same on both.
    func arguments(from: String, to: [String]) -> [String] {
        var arguments = Array(command.dropFirst()) + ["-f", from]
        if !command.dropFirst().contains("-t") {
            arguments += ["--"] + to
        }
        return arguments
    }

    public func send(_ message: [UInt8], from: String, to: [String]) async throws(TransportError) {
        let program = command[0]
        let arguments = arguments(from: from, to: to)
        let deadline = ContinuousClock.now + timeout
        let outcome: SendmailRun.Outcome = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: SendmailRun.run(program: program, arguments: arguments, input: message,
                                                               deadline: deadline))
            }
            thread.start()
        }
        let name = (program as NSString).lastPathComponent
        switch outcome {
        case .exited(0, _):
            return
        case .exited(let status, let output):
            throw TransportError(Self.kind(ofExitStatus: status), "\(name) exited with \(Self.exitName(status))\(Self.detail(output))")
        case .killed(let signal, let output):
            throw TransportError(.temporary, "\(name) was killed by signal \(signal)\(Self.detail(output))")
        case .timedOut(let output):
            throw TransportError(.temporary, "\(name) did not finish within \(timeout), killed\(Self.detail(output))")
        case .notStarted(let reason):
            throw TransportError(.temporary, "cannot run \(program): \(reason)")
        }
    }

    /// sysexits.h as sendmail(8) and Postfix's sendmail(1) use it: refusals of the message or
    /// its addresses (EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_NOUSER, EX_NOHOST, EX_UNAVAILABLE,
    /// EX_PROTOCOL) will fail again the same way and are permanent. Everything else is a local
    /// condition that can clear up or that the postmaster can fix (EX_TEMPFAIL, EX_OSERR,
    /// EX_IOERR, EX_CANTCREAT, EX_OSFILE, EX_SOFTWARE, EX_NOPERM, EX_CONFIG, Postfix's plain
    /// `fatal:` status 1): temporary, so the report is kept and the destination not blamed.
    static func kind(ofExitStatus status: Int32) -> TransportError.Kind {
        switch status {
        case 64...69, 76: .permanent
        default: .temporary
        }
    }

    static func exitName(_ status: Int32) -> String {
        let names: [Int32: String] = [
            64: "EX_USAGE", 65: "EX_DATAERR", 66: "EX_NOINPUT", 67: "EX_NOUSER", 68: "EX_NOHOST",
            69: "EX_UNAVAILABLE", 70: "EX_SOFTWARE", 71: "EX_OSERR", 72: "EX_OSFILE", 73: "EX_CANTCREAT",
            74: "EX_IOERR", 75: "EX_TEMPFAIL", 76: "EX_PROTOCOL", 77: "EX_NOPERM", 78: "EX_CONFIG",
        ]
        return names[status].map { "status \(status) (\($0))" } ?? "status \(status)"
    }

    private static func detail(_ output: [UInt8]) -> String {
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "" : ": \(text)"
    }
}
