import Foundation

/// The e-mail that carries an aggregate report (RFC 9990 §3.5.2): a short text/plain part for a
/// person and the gzip attachment with the RFC's file name, in one multipart/mixed message.
public struct AggregateReportMail: Sendable, Hashable {
    /// Why the message could not be written.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// The `From` mailbox: the configured report address.
    public var from: String
    /// The `To` mailboxes: the `mailto:` addresses of the rua tag, without the scheme.
    public var to: [String]
    /// The receiver's domain name: the Subject's Submitter, the file name's receiver and the
    /// Message-ID's right side.
    public var receiver: String
    /// The `Date` field.
    public var date: Date

    public init(from: String, to: [String], receiver: String, date: Date) {
        self.from = from
        self.to = to
        self.receiver = receiver
        self.date = date
    }

    /// The message in RFC 5322 form with CRLF line ends. The same Report-ID stands in the XML,
    /// the Subject, the file name's unique-id (RFC 9990 §3.1.4) and the Message-ID (§3.5.2
    /// allows that, and a re-sent report is then recognizable).
    public func message(for report: AggregateReport, gzipData: [UInt8]) throws -> [UInt8] {
        for value in [from, receiver] + to where !Self.isSafeHeaderValue(value) {
            throw Invalid(description: "\"\(value)\" cannot stand in a header field")
        }
        guard !to.isEmpty else { throw Invalid(description: "a report needs at least one recipient") }
        let fileName = try AggregateReportFileName(report: report, receiver: receiver)
        let reportID = report.metadata.reportID
        let domain = report.policyDomain
        let boundary = "=_dmarc_report_\(reportID)"
        var lines = [
            "From: \(from)",
            Self.folded("To: \(to.joined(separator: ", "))", at: ", ", into: ",\r\n "),
            subject(domain: domain, reportID: reportID),
            "Date: \(Self.dateText(date))",
            // Reports to different domains share a window and so a Report-ID; the domain keeps
            // the Message-ID unique.
            "Message-ID: <\(reportID).\(domain)@\(receiver)>",
            // RFC 3834 §5: keeps auto-responders from answering the report.
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed;\r\n boundary=\"\(boundary)\"",
            "",
            "This is a multi-part message in MIME format.",
            "",
            "--\(boundary)",
        ]
        let text = summary(report)
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            lines += ["Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit", "", text]
        } else {
            lines += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += Self.base64Lines(Array(text.utf8))
        }
        lines += [
            "--\(boundary)",
            // RFC 9990 §3.5.2: "application/gzip" if compressed (RFC 6713).
            "Content-Type: application/gzip;\r\n name=\"\(fileName)\"",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment;\r\n filename=\"\(fileName)\"",
            "",
        ]
        lines += Self.base64Lines(gzipData)
        lines += ["--\(boundary)--", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// RFC 9990 §3.5.2's dmarc-subject, folded at its FWS when longer than RFC 5322 §2.1.1's
    /// 78 characters.
    func subject(domain: String, reportID: String) -> String {
        let parts = ["Subject: Report Domain: \(domain)", "Submitter: \(receiver)", "Report-ID: \(reportID)"]
        return Self.folded(parts.joined(separator: " "), at: " ", into: "\r\n ", only: parts)
    }

    /// `line` as it is when it fits 78 characters, else with each `separator` replaced by
    /// `fold` (or, given `only`, the line rebuilt from those pieces).
    static func folded(_ line: String, at separator: String, into fold: String, only pieces: [String]? = nil) -> String {
        guard line.utf8.count > 78 else { return line }
        if let pieces { return pieces.joined(separator: fold) }
        return line.replacingOccurrences(of: separator, with: fold)
    }

    /// A few sentences for a person who opens the message, in lines of at most 76 characters.
    func summary(_ report: AggregateReport) -> String {
        let sources = Set(report.records.map(\.sourceIP)).count
        let messages = report.messageCount == 1 ? "1 message" : "\(report.messageCount) messages"
        let addresses = sources == 1 ? "1 address" : "\(sources) addresses"
        let text = "This is a DMARC aggregate report (RFC 9990) from \(report.metadata.orgName) for "
            + "\(report.policyDomain), covering \(Self.dateText(report.metadata.dateRange.begin)) "
            + "to \(Self.dateText(report.metadata.dateRange.end)): \(messages) from \(addresses). "
            + "The report is in the attached file."
        return Self.wrapped(text)
    }

    /// `text` as CRLF-ended lines of at most 76 characters, broken between words, for a text
    /// part a person reads.
    static func wrapped(_ text: String) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > 76 {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 5322 §3.3 date-time in UTC.
    static func dateText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    static func dateText(_ seconds: Int64) -> String {
        dateText(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// RFC 2045 §6.8: lines of at most 76 characters.
    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[start..<end]))
            start = end
        }
        return lines
    }

    /// Printable ASCII only: a CR or LF would let a configured value add header fields.
    static func isSafeHeaderValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { (0x20..<0x7F).contains($0) }
    }
}
