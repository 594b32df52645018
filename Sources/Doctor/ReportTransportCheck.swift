import Foundation
import Reporter
#if canImport(Glibc)
import Glibc
#endif

/// How the site sends its reports, and whether that can work: the `ReportCommand` program
/// exists, or the `ReportSMTPHost` smarthost accepts a TCP connection.
public struct ReportTransportCheck: Sendable {
    /// The transport the configuration names.
    public enum Transport: Sendable, Hashable {
        /// A command that takes each report mail on standard input (`ReportCommand`).
        case command(String)
        /// An SMTP smarthost (`ReportSMTPHost`).
        case smtp(host: String, port: UInt16)
    }

    public var transport: Transport
    /// How long a connection to the smarthost may take.
    public var timeout: Duration

    public init(_ transport: Transport, timeout: Duration = .seconds(5)) {
        self.transport = transport
        self.timeout = timeout
    }

    public func run() -> [Finding] {
        switch transport {
        case .command(let line):
            guard let program = SendmailTransport.words(of: line)?.first else {
                return [finding(.error, "ReportCommand \"\(line)\" names no program",
                                fix: "ReportCommand /usr/sbin/sendmail -t")]
            }
            guard FileManager.default.isExecutableFile(atPath: program) else {
                return [finding(.error, "ReportCommand's program \(program) does not exist or cannot be run",
                                fix: "ReportCommand /usr/sbin/sendmail -t")]
            }
            return [finding(.ok, "reports are handed to \(line)")]
        case .smtp(let host, let port):
            if let problem = Self.connect(host: host, port: port, timeout: timeout) {
                return [finding(.error, "the smarthost \(host):\(port) cannot be reached: \(problem)",
                                fix: "Start the smarthost, or set ReportSMTPHost to one that listens.")]
            }
            return [finding(.ok, "the smarthost \(host):\(port) accepts connections")]
        }
    }

    private func finding(_ level: Finding.Level, _ summary: String, fix: String? = nil) -> Finding {
        Finding(level, "reports.transport", domain: nil, summary: summary,
                why: level == .ok ? nil : "Aggregate and failure reports wait in the outbox and are dropped after ReportRetryTime.",
                fix: fix)
    }

    /// Opens and closes a TCP connection to `host`:`port`; nil when it worked, else why not.
    static func connect(host: String, port: UInt16, timeout: Duration) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { return String(cString: gai_strerror(status)) }
        defer { freeaddrinfo(list) }
        var problem = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else {
                problem = String(cString: strerror(errno))
                continue
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&poller, 1, milliseconds) == 1 else {
                problem = "no answer within \(timeout)"
                continue
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return nil }
            problem = String(cString: strerror(error))
        }
        return problem
    }
}
