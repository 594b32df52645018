import Foundation

/// What Linux reports about a running process in /proc/PID/status and /proc/PID/stat: memory
/// in KiB, CPU time in seconds.
public struct ProcessStatus: Sendable {
    /// Resident set size (VmRSS).
    public var residentKiB: Int
    /// The highest resident set size so far (VmHWM).
    public var peakResidentKiB: Int
    /// Resident anonymous memory (RssAnon): heap, thread stacks.
    public var anonymousKiB: Int
    /// Resident file-backed memory (RssFile): mapped code and data files.
    public var fileKiB: Int
    public var threads: Int
    /// User plus system CPU time (utime + stime).
    public var cpuSeconds: Double

    /// The figures of process `pid` now; nil when it has gone.
    public init?(pid: pid_t) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        var fields: [Substring: Int] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            if parts.count >= 2, let value = Int(parts[1]) { fields[parts[0]] = value }
        }
        residentKiB = fields["VmRSS"] ?? 0
        peakResidentKiB = fields["VmHWM"] ?? 0
        anonymousKiB = fields["RssAnon"] ?? 0
        fileKiB = fields["RssFile"] ?? 0
        threads = fields["Threads"] ?? 0
        // The command name in parentheses may hold spaces; utime and stime are the 12th and
        // 13th fields after it (proc(5): fields 14 and 15).
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let after = stat[stat.index(after: close)...].split(separator: " ")
        guard after.count > 12, let user = Double(after[11]), let system = Double(after[12]) else { return nil }
        cpuSeconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
