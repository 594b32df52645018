import Foundation
import Reporter
import Testing
import TestSupport

/// The `ReportCommand` pipe against commands written by the test, whose exit statuses are those
/// sysexits.h defines.
@Suite struct SendmailTransportTests {
    /// A folder holding the fake commands and what they saw; removed with the value.
    final class Commands {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-sendmail-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit {
            try? FileManager.default.removeItem(at: directory)
        }

        /// Writes an executable shell script named `name` and returns its path.
        func script(_ name: String, _ body: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            return path
        }

        func file(_ name: String) -> String {
            directory.appendingPathComponent(name).path
        }
    }

    @Test("command lines split into words like a shell's, without expansion")
    func words() {
        #expect(SendmailTransport.words(of: "/usr/sbin/sendmail -t -oi") == ["/usr/sbin/sendmail", "-t", "-oi"])
        #expect(SendmailTransport.words(of: "  '/opt/my mail/send'  -f \"a b\"\t-x\\ y $HOME ") ==
            ["/opt/my mail/send", "-f", "a b", "-x y", "$HOME"])
        #expect(SendmailTransport.words(of: #"send "say \"hi\" \n" ''"#) == ["send", #"say "hi" \n"#, ""])
        #expect(SendmailTransport.words(of: "send 'unclosed") == nil)
        #expect(SendmailTransport.words(of: "send \\") == nil)
        #expect(SendmailTransport(commandLine: "   ") == nil)
    }

    @Test("with -t the recipients come from the To field; without, after --")
    func arguments() async throws {
        let commands = try Commands()
        let record = try commands.script("record", "printf '%s\\n' \"$@\" > \"\(commands.file("arguments"))\"; cat >/dev/null")
        try await SendmailTransport(command: [record, "-t", "-oi"])
            .send(Array("Subject: x\r\n\r\nbody\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        #expect(try String(contentsOfFile: commands.file("arguments"), encoding: .utf8) == "-t\n-oi\n-f\nr@example.org\n")
        try await SendmailTransport(command: [record, "-oi"])
            .send(Array("Subject: x\r\n\r\nbody\r\n".utf8), from: "r@example.org", to: ["a@example.com", "b@example.net"])
        #expect(try String(contentsOfFile: commands.file("arguments"), encoding: .utf8) ==
            "-oi\n-f\nr@example.org\n--\na@example.com\nb@example.net\n")
    }

    @Test("exit status 0: the whole message reached the command's standard input")
    func success() async throws {
        let commands = try Commands()
        let copy = try commands.script("copy", "cat > \"\(commands.file("message"))\"")
        // Larger than a pipe or socket buffer, so writing and the command's reading interleave.
        let message = try ReportTransportFixtures.reportMessage(to: ["a@example.com"], marker: "x")
            + Array(repeating: UInt8(ascii: "x"), count: 1 << 20) + Array("\r\n".utf8)
        try await SendmailTransport(command: [copy, "-t"]).send(message, from: "r@example.org", to: ["a@example.com"])
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: commands.file("message")))) == message)
    }

    @Test("a command that exits 0 without reading a large message neither hangs nor kills us")
    func commandIgnoringInput() async throws {
        let commands = try Commands()
        let ignore = try commands.script("ignore", "exit 0")
        let message = [UInt8](repeating: UInt8(ascii: "x"), count: 4 << 20)
        try await SendmailTransport(command: [ignore]).send(message, from: "r@example.org", to: ["a@example.com"])
    }

    @Test("EX_TEMPFAIL (75) is temporary, with the command's output in the reason")
    func temporaryFailure() async throws {
        let commands = try Commands()
        let tempfail = try commands.script("tempfail", "cat >/dev/null; echo 'queue file write error' >&2; exit 75")
        let error = await #expect(throws: TransportError.self) {
            try await SendmailTransport(command: [tempfail]).send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }
        #expect(error?.kind == .temporary)
        #expect(error?.reason.contains("EX_TEMPFAIL") == true)
        #expect(error?.reason.contains("queue file write error") == true)
    }

    @Test("EX_UNAVAILABLE (69) is permanent")
    func permanentFailure() async throws {
        let commands = try Commands()
        let unavailable = try commands.script("unavailable", "cat >/dev/null; echo 'recipient refused' >&2; exit 69")
        let error = await #expect(throws: TransportError.self) {
            try await SendmailTransport(command: [unavailable]).send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }
        #expect(error?.kind == .permanent)
        #expect(error?.reason.contains("EX_UNAVAILABLE") == true)
    }

    @Test("other exit statuses: refusals of message or address are permanent, local faults temporary",
          arguments: [(67, TransportError.Kind.permanent), (76, .permanent), (1, .temporary), (71, .temporary),
                      (78, .temporary)])
    func exitStatuses(status: Int, kind: TransportError.Kind) async throws {
        let commands = try Commands()
        let command = try commands.script("exit\(status)", "cat >/dev/null; exit \(status)")
        let error = await #expect(throws: TransportError.self) {
            try await SendmailTransport(command: [command]).send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }
        #expect(error?.kind == kind)
    }

    @Test("a hanging command and the child it started are killed at the timeout; that is temporary")
    func timeout() async throws {
        let commands = try Commands()
        let hang = try commands.script("hang", """
            echo $$ > "\(commands.file("pid"))"
            sleep 600 &
            echo $! > "\(commands.file("child"))"
            wait
            """)
        let started = ContinuousClock.now
        let error = await #expect(throws: TransportError.self) {
            try await SendmailTransport(command: [hang], timeout: .milliseconds(500))
                .send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error?.kind == .temporary)
        #expect(error?.reason.contains("did not finish") == true)
        for name in ["pid", "child"] {
            let pid = try #require(pid_t(try String(contentsOfFile: commands.file(name), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(Self.isGone(pid), "\(name) \(pid) still runs")
        }
    }

    @Test("a program that does not exist is a temporary failure")
    func missingProgram() async throws {
        let error = await #expect(throws: TransportError.self) {
            try await SendmailTransport(command: ["/nonexistent/sendmail", "-t"])
                .send(Array("x\r\n".utf8), from: "r@example.org", to: ["a@example.com"])
        }
        #expect(error?.kind == .temporary)
    }

    /// True when `pid` has exited (a zombie waiting for a parent that does not reap counts).
    static func isGone(_ pid: pid_t) -> Bool {
        let deadline = Date().addingTimeInterval(2)
        repeat {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            let state = stat.split(separator: ")").last?.split(separator: " ").first
            if state == "Z" { return true }
            usleep(20_000)
        } while Date() < deadline
        return false
    }
}
