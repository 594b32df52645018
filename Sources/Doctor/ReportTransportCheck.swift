import Foundation
import Reporter

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
            if let problem = SocketProbe.connect(host: host, port: port, timeout: timeout) {
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
}
