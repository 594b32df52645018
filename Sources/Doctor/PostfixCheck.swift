import Foundation

/// The milter chain as Postfix sees it: `postconf -x -h smtpd_milters non_smtpd_milters
/// milter_default_action` must list dmarcd's socket and keep mail safe when dmarcd is down, and
/// dmarcd must accept connections on that socket.
public struct PostfixCheck: Sendable {
    /// Where dmarcd listens, in Postfix's notation (`inet:127.0.0.1:8893`, `unix:/run/dmarcd/milter`).
    public var milterSockets: [String]
    /// The postconf program.
    public var postconf: String
    /// `postconf -c DIR`: a Postfix configuration directory other than the default.
    public var configDirectory: String?

    public init(milterSockets: [String], postconf: String = "/usr/sbin/postconf", configDirectory: String? = nil) {
        self.milterSockets = milterSockets
        self.postconf = postconf
        self.configDirectory = configDirectory
    }

    public func run() -> [Finding] {
        let parameters = ["smtpd_milters", "non_smtpd_milters", "milter_default_action"]
        let values: [String]
        do {
            values = try read(parameters)
        } catch {
            return [Finding(.warn, "postfix.postconf", domain: nil, summary: "Postfix's settings could not be read: \(error)",
                            why: "Without them the doctor cannot tell whether Postfix hands mail to dmarcd.")]
        }
        var findings: [Finding] = []
        findings.append(milters(parameter: "smtpd_milters", value: values[0], missing: .error,
                                why: "Mail arriving over SMTP is never checked by dmarcd."))
        findings.append(milters(parameter: "non_smtpd_milters", value: values[1], missing: .warn,
                                why: "Mail submitted with sendmail(1) on this host does not pass dmarcd."))
        findings.append(defaultAction(values[2]))
        return findings + listeners()
    }

    /// The other end of the chain: does dmarcd accept connections where Postfix will connect?
    private func listeners() -> [Finding] {
        milterSockets.map { socket in
            let problem: String?
            if let (host, port) = MilterList.endpoint(of: socket) {
                problem = SocketProbe.connect(host: host, port: port, timeout: .seconds(3))
            } else if let path = MilterList.unixPath(of: socket) {
                problem = SocketProbe.connect(unixPath: path)
            } else {
                problem = "not an address"
            }
            guard let problem else {
                return Finding(.ok, "postfix.listener", domain: nil, summary: "dmarcd accepts connections on \(socket)")
            }
            return Finding(.error, "postfix.listener", domain: nil, summary: "nothing accepts connections on \(socket): \(problem)",
                           why: "Postfix applies milter_default_action to every message while it cannot reach dmarcd.",
                           fix: "systemctl start dmarcd (journalctl -u dmarcd says why it stopped)")
        }
    }

    private func milters(parameter: String, value: String, missing: Finding.Level, why: String) -> Finding {
        let listed = MilterList.entries(value)
        if let ours = milterSockets.first(where: { socket in listed.contains { MilterList.same($0, socket) } }) {
            return Finding(.ok, "postfix.\(parameter)", domain: nil, summary: "\(parameter) lists dmarcd (\(ours))")
        }
        let socket = milterSockets.first ?? "inet:127.0.0.1:8893"
        let line = (listed + [socket]).joined(separator: ", ")
        return Finding(missing, "postfix.\(parameter)", domain: nil,
                       summary: value.isEmpty ? "\(parameter) is empty" : "\(parameter) does not list dmarcd: \(value)",
                       why: why, fix: "postconf -e '\(parameter) = \(line)' && postfix reload")
    }

    /// Postfix applies milter_default_action when dmarcd cannot be reached (postconf(5)).
    private func defaultAction(_ value: String) -> Finding {
        let fix = "postconf -e 'milter_default_action = accept' && postfix reload"
        switch value {
        case "accept":
            return Finding(.ok, "postfix.milter_default_action", domain: nil,
                           summary: "milter_default_action = accept: while dmarcd is down mail is delivered unchecked")
        case "tempfail":
            return Finding(.ok, "postfix.milter_default_action", domain: nil,
                           summary: "milter_default_action = tempfail: while dmarcd is down senders retry later")
        case "reject":
            return Finding(.error, "postfix.milter_default_action", domain: nil,
                           summary: "milter_default_action = reject: while dmarcd is down all mail is refused for good",
                           why: "A restart or crash of dmarcd bounces mail that would have been delivered.", fix: fix)
        default:
            return Finding(.warn, "postfix.milter_default_action", domain: nil,
                           summary: "milter_default_action = \(value)",
                           why: "accept lets mail through unchecked while dmarcd is down; tempfail makes senders retry.",
                           fix: fix)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private func read(_ parameters: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: postconf)
        // -x expands $name references, as in non_smtpd_milters = $smtpd_milters.
        process.arguments = (configDirectory.map { ["-c", $0] } ?? []) + ["-x", "-h"] + parameters
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(description: "\(postconf) could not be run (\(error.localizedDescription))")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= parameters.count else { throw Failure(description: "postconf printed \(lines.count) lines") }
        return Array(lines.prefix(parameters.count))
    }
}
