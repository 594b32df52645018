import Foundation

/// The reporting windows: back-to-back intervals of a fixed length that divides a day, counted
/// from midnight UTC, so that daily reports cover whole UTC days (RFC 9990 §3.1.1.4 asks for
/// reports "aligned to the hour ... or to the day" where practical).
public struct ReportSchedule: Sendable, Hashable {
    /// Why an interval cannot make windows.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// The window length in seconds.
    public let interval: Int64
    /// How long after a window's end its reports are built: the history writer commits in small
    /// batches, so the last messages of a window reach the database a moment after it ends.
    public let settleTime: TimeInterval
    /// How far back the very first run reaches: a database imported from OpenDMARC may hold
    /// months of messages whose reports nobody expects any more.
    public let firstRunLookback: TimeInterval

    public static let day: Int64 = 86_400

    public init(interval: Int64 = ReportSchedule.day, settleTime: TimeInterval? = nil, firstRunLookback: TimeInterval = 2 * 86_400) throws {
        guard interval > 0, Self.day % interval == 0 else {
            throw Invalid(description: "a report interval of \(interval) seconds does not divide a day (86400 seconds)")
        }
        self.interval = interval
        self.settleTime = settleTime ?? min(60, max(1, Double(interval) / 10))
        self.firstRunLookback = firstRunLookback
    }

    /// The window that `time` falls in.
    public func window(containing time: Date) -> DateInterval {
        let seconds = Int64(time.timeIntervalSince1970.rounded(.down))
        let begin = seconds - ((seconds % interval) + interval) % interval
        return DateInterval(start: Date(timeIntervalSince1970: TimeInterval(begin)), duration: TimeInterval(interval))
    }

    /// The windows to report at `now`, oldest first: each window from the end of the last one
    /// reported (or, the first time, from the oldest message, at most ``firstRunLookback`` back)
    /// whose end lies at least ``settleTime`` in the past. Missed windows come back after any
    /// downtime; none overlaps another.
    public func dueWindows(lastReportedEnd: Date?, earliestMessage: Date?, now: Date) -> [DateInterval] {
        let start: Date
        if let lastReportedEnd {
            start = lastReportedEnd
        } else if let earliestMessage {
            start = window(containing: max(earliestMessage, now.addingTimeInterval(-firstRunLookback))).start
        } else {
            return []
        }
        var windows: [DateInterval] = []
        var begin = window(containing: start).start
        // A last end off the grid (the interval was changed) starts the next window at that end.
        if begin < start { begin = start }
        while true {
            let end = window(containing: begin).end
            guard end.addingTimeInterval(settleTime) <= now else { break }
            windows.append(DateInterval(start: begin, end: end))
            begin = end
        }
        return windows
    }

    /// When the next window will be due, after those due at `now`.
    public func nextDueTime(after now: Date) -> Date {
        let current = window(containing: now.addingTimeInterval(-settleTime))
        return current.end.addingTimeInterval(settleTime)
    }
}
