import Foundation

/// How the pages write times, counts and shares: UTC, like the reports' windows.
enum StatusFormat {
    private static let timeStyle = Date.ISO8601FormatStyle(timeZone: .gmt)
        .year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)

    /// `2026-11-29 10:04:05 UTC`.
    static func time(_ date: Date) -> String {
        date.formatted(timeStyle) + " UTC"
    }

    /// `2026-11-29`.
    static func day(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
    }

    /// `12.5 %` of `total`; `–` when there is nothing to share.
    static func share(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return "–" }
        let percent = Double(part) * 100 / Double(total)
        return percent.formatted(.number.precision(.fractionLength(percent == 100 || percent == 0 ? 0 : 1))) + " %"
    }

    /// `1 234 567` would need a locale; plain digits in groups of three with thin spaces read
    /// the same everywhere.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { grouped.append("\u{2009}") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `3 d 4 h`, `5 h 12 min`, `42 s`.
    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded(.down))
        let days = total / 86_400, hours = total % 86_400 / 3_600, minutes = total % 3_600 / 60
        if days > 0 { return "\(days) d \(hours) h" }
        if hours > 0 { return "\(hours) h \(minutes) min" }
        if minutes > 0 { return "\(minutes) min" }
        return "\(total) s"
    }
}
