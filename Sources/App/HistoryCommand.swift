import ArgumentParser
import Auth
import Foundation
import Store

/// `dmarcd history`: the latest evaluated messages from the database, one line each, for a
/// postmaster at a terminal.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print recently evaluated messages from the database, newest first.",
        discussion: """
            Reads the DatabasePath of the configuration, while the daemon runs or not. Each line: \
            time (UTC), queue id, client IP, From domain, DMARC result, what was done, then SPF \
            and each DKIM signature.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Option(help: ArgumentHelp("""
        Only messages since then: a duration back from now (30m, 24h, 7d) or a UTC date or time \
        (2026-11-28, 2026-11-28T09:30:00Z).
        """, valueName: "WHEN"))
    var since: String?

    @Option(help: ArgumentHelp("Only messages whose From or policy domain is this.", valueName: "DOMAIN"))
    var domain: String?

    @Option(help: ArgumentHelp("Only messages with this DMARC result: pass, fail, none, temperror or permerror.",
                               valueName: "RESULT"))
    var result: String?

    @Option(help: "At most this many messages.")
    var limit = 50

    func run() throws {
        let since = try self.since.map { text in
            guard let date = Self.date(text, now: Date()) else {
                throw ValidationError("--since \(text) is not a duration (30m, 24h, 7d) or a UTC date or time")
            }
            return date
        }
        let result = try self.result.map { text in
            guard let result = DMARCResult(rawValue: text.lowercased()) else {
                throw ValidationError("--result \(text) is not pass, fail, none, temperror or permerror")
            }
            return result
        }
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        let configuration = try options.load()
        guard FileManager.default.fileExists(atPath: configuration.databasePath) else {
            throw ValidationError("no database at \(configuration.databasePath) (DatabasePath)")
        }
        let store = try HistoryStore.openForReading(path: configuration.databasePath)
        for record in try store.evaluations(HistoryFilter(since: since, domain: domain, result: result), limit: limit) {
            print(Self.line(record))
        }
    }

    /// `30m`, `24h`, `7d` back from `now`, or an ISO 8601 date or date and time in UTC.
    static func date(_ text: String, now: Date) -> Date? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount >= 0 {
            return now.addingTimeInterval(-amount * unit)
        }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }

    /// E.g. `2026-11-29 08:21:42  3F1A2B001  192.0.2.10  example.net  dmarc=fail (p=reject)
    /// none local_policy  spf=fail spammer.example  dkim=fail spammer.example/k1`.
    static func line(_ record: HistoryRecord) -> String {
        var parts = [timeFormatter.string(from: record.time), record.queueID ?? "-", record.clientIP ?? "-",
                     record.headerFromDomain ?? "-"]
        var dmarc = "dmarc=\(record.dmarcResult)"
        if let p = record.policy?.p { dmarc += " (p=\(p))" }
        parts.append(dmarc)
        parts.append([record.disposition.rawValue, record.overrideReason?.rawValue].compactMap { $0 }.joined(separator: " "))
        if let spf = record.spf {
            parts.append("spf=\(spf.result) \(spf.domain)" + (spf.scope == .helo ? " (helo)" : ""))
        } else {
            parts.append("spf=-")
        }
        for dkim in record.dkim {
            parts.append("dkim=\(dkim.result) \(dkim.domain ?? "?")" + (dkim.selector.map { "/\($0)" } ?? ""))
        }
        return parts.joined(separator: "  ")
    }

    private static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }()
}
