import Auth
import DNS
import Foundation

/// One DMARC failure report (RFC 9991) about one message: an RFC 5965 feedback report of type
/// `auth-failure` (RFC 6591) with the fields RFC 9991 §4 adds, and the original header block,
/// without the body unless the site asks for the whole message (RFC 9991 §7.1, §7.3: the body is
/// where private content and malicious payloads are).
///
/// Building the message is a pure function of these values.
public struct FailureReport: Sendable, Hashable {
    /// Why the message could not be written.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// What became of the reported message (RFC 6591 §3.2.2).
    public enum DeliveryResult: String, Sendable, Hashable {
        case delivered
        case spam
        /// Held back because of the failure (the MTA's hold queue).
        case policy
        case reject
        case other
    }

    /// An SPF record that the SPF check used, for the `SPF-DNS` field (RFC 6591 §3.2.6).
    public struct SPFRecordText: Sendable, Hashable {
        /// The domain whose TXT record it is.
        public var domain: String
        /// The record as published.
        public var text: String

        public init(domain: String, text: String) {
            self.domain = domain
            self.text = text
        }
    }

    /// How much of the original message the report's third part carries (RFC 6591 §3.1,
    /// RFC 5965 §2 item d).
    public enum Content: Sendable, Hashable {
        /// The header block only, as `text/rfc822-headers`.
        case headers
        /// The whole message, header block and this body, as `message/rfc822`.
        case message(body: [UInt8])
        /// The header block only, because the message was bigger than the `limit` in bytes that
        /// a whole copy may have; the text part says so.
        case headersOfLargeMessage(limit: Int)
    }

    /// What the receiving MTA knew about the message.
    public struct Original: Sendable, Hashable {
        /// The MAIL FROM address, empty for the null reverse-path.
        public var mailFrom: String
        /// The RCPT TO addresses.
        public var recipients: [String]
        /// The SMTP client's address, when known.
        public var sourceIP: IPAddress?
        public var arrivalDate: Date
        /// The header block as received, fields separated and ended by CRLF.
        public var headerBlock: [UInt8]
        /// Whether the body goes with the header block.
        public var content: Content

        public init(mailFrom: String, recipients: [String], sourceIP: IPAddress?, arrivalDate: Date, headerBlock: [UInt8],
                    content: Content = .headers) {
            self.mailFrom = mailFrom
            self.recipients = recipients
            self.sourceIP = sourceIP
            self.arrivalDate = arrivalDate
            self.headerBlock = headerBlock
            self.content = content
        }
    }

    /// The `From` address: `FailureReportsSentBy` or the report address.
    public var from: String
    /// The destinations: accepted `ruf` addresses and any copies.
    public var to: [String]
    /// The reporting host's name: the Message-ID's right side and the text part's signature.
    public var reporter: String
    /// The feedback report's `User-Agent` (RFC 5965 §3.1), e.g. `dmarcd/1.0`.
    public var userAgent: String
    /// A value unique to this report, the Message-ID's left side and the MIME boundary's tail.
    public var reportID: String
    /// The `Date` field.
    public var date: Date
    public var original: Original
    /// The checks' verdict on the original message.
    public var verdict: MessageVerdict
    public var deliveryResult: DeliveryResult
    /// The SPF records behind a failed SPF result; empty when SPF passed or was not checked.
    public var spfRecords: [SPFRecordText]

    public init(from: String, to: [String], reporter: String, userAgent: String, reportID: String, date: Date,
                original: Original, verdict: MessageVerdict, deliveryResult: DeliveryResult,
                spfRecords: [SPFRecordText] = []) {
        self.from = from
        self.to = to
        self.reporter = reporter
        self.userAgent = userAgent
        self.reportID = reportID
        self.date = date
        self.original = original
        self.verdict = verdict
        self.deliveryResult = deliveryResult
        self.spfRecords = spfRecords
    }

    /// The domain the report is about: the message's Author Domain.
    public var reportedDomain: String? { verdict.dmarc.authorDomain }

    /// The message in RFC 5322 form with CRLF line ends: multipart/report with
    /// report-type=feedback-report (RFC 5965 §2), whose parts are a text for a person, the
    /// message/feedback-report fields and the original as text/rfc822-headers or, with its
    /// body, message/rfc822 (RFC 6591 §3.1 requires that third part).
    public func message() throws(Invalid) -> [UInt8] {
        for value in [from, reporter, userAgent, reportID] + to where !AggregateReportMail.isSafeHeaderValue(value) {
            throw Invalid(description: "\"\(value)\" cannot stand in a header field")
        }
        guard !to.isEmpty else { throw Invalid(description: "a report needs at least one recipient") }
        guard let domain = reportedDomain else { throw Invalid(description: "the message has no Author Domain to report to") }
        let boundary = "=_dmarc_failure_\(reportID)"
        var lines = [
            "From: \(from)",
            AggregateReportMail.folded("To: \(to.joined(separator: ", "))", at: ", ", into: ",\r\n "),
            "Subject: DMARC failure report for \(domain)" + (original.sourceIP.map { " from \($0)" } ?? ""),
            "Date: \(AggregateReportMail.dateText(date))",
            "Message-ID: <\(reportID)@\(reporter)>",
            // RFC 3834 §5: no auto-responder answers a report, which keeps report loops out.
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=feedback-report;\r\n boundary=\"\(boundary)\"",
            "",
            "This is a multi-part message in MIME format.",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=us-ascii",
            "Content-Transfer-Encoding: 7bit",
            "",
            summary(domain: domain),
            "--\(boundary)",
            "Content-Type: message/feedback-report",
            "Content-Transfer-Encoding: 7bit",
            "",
        ]
        lines += feedbackFields(domain: domain)
        var third = LineEndings.crlf(original.headerBlock)
        if !third.ends(with: Array("\r\n".utf8)) { third += Array("\r\n".utf8) }
        let type: String
        if case .message(let body) = original.content {
            type = "message/rfc822"
            third += Array("\r\n".utf8) + LineEndings.crlf(body)
            if !third.ends(with: Array("\r\n".utf8)) { third += Array("\r\n".utf8) }
        } else {
            type = "text/rfc822-headers"
        }
        lines += [
            "",
            "--\(boundary)",
            // The original may hold 8-bit bytes (RFC 6532, 8BITMIME); it goes as it came, which
            // RFC 2046 §5.2.1 allows for message/rfc822 with 7bit or 8bit only.
            "Content-Type: \(type)",
            "Content-Transfer-Encoding: \(third.allSatisfy { $0 < 0x80 } ? "7bit" : "8bit")",
            "",
        ]
        var text = Array(lines.joined(separator: "\r\n").utf8) + Array("\r\n".utf8)
        text += third
        text += Array("\r\n--\(boundary)--\r\n".utf8)
        return text
    }

    /// The machine-readable part's fields, in the order of RFC 5965 §3.1 then RFC 6591 §3.
    func feedbackFields(domain: String) -> [String] {
        let dmarc = verdict.dmarc
        var fields = [
            "Feedback-Type: auth-failure",
            "User-Agent: \(userAgent)",
            "Version: 1",
        ]
        if let mailFrom = Self.headerSafe(Self.withoutAngleBrackets(original.mailFrom)) {
            fields.append("Original-Mail-From: <\(mailFrom)>")
        } else if original.mailFrom.isEmpty || original.mailFrom == "<>" {
            fields.append("Original-Mail-From: <>")
        }
        for recipient in original.recipients {
            if let address = Self.headerSafe(Self.withoutAngleBrackets(recipient)) {
                fields.append("Original-Rcpt-To: <\(address)>")
            }
        }
        fields.append("Arrival-Date: \(AggregateReportMail.dateText(original.arrivalDate))")
        if let ip = original.sourceIP { fields.append("Source-IP: \(ip)") }
        fields.append("Reported-Domain: \(domain)")
        // RFC 6591 §3.1: "MUST reflect only a single authentication method's result", the one
        // reported, here DMARC. Unfolded: parsedmarc reads only the first line of a field.
        let result = AuthenticationResultsHeader(authservID: verdict.authservID, results: [dmarc.authenticationResult])
        fields.append("Authentication-Results: " + result.render())
        fields.append("Auth-Failure: dmarc")
        fields.append("Identity-Alignment: \(identityAlignment)")
        if let signature = failedAlignedSignature, let signingDomain = signature.domain,
            let safeDomain = Self.headerSafe(signingDomain) {
            // RFC 9991 §4 item 1: required for a DKIM failure of an aligned identifier.
            fields.append("DKIM-Domain: \(safeDomain)")
            fields.append("DKIM-Identity: \(Self.headerSafe(signature.identity ?? "") ?? "@\(safeDomain)")")
            if let selector = signature.selector.flatMap(Self.headerSafe) { fields.append("DKIM-Selector: \(selector)") }
        }
        if let spf = verdict.spf, spf.result != .pass {
            // RFC 6591 §3.2.6 / §4: once for every SPF record used to obtain the result.
            for record in spfRecords {
                guard let recordDomain = Self.headerSafe(record.domain), let recordText = Self.headerSafe(record.text) else {
                    continue
                }
                fields.append("SPF-DNS: txt : \(recordDomain) : \(Self.quoted(recordText))")
            }
        }
        fields.append("Delivery-Result: \(deliveryResult.rawValue)")
        return fields
    }

    /// RFC 9991 §4 item 2: the mechanisms that failed to give an aligned pass, or `none`. SPF
    /// counts only when it was attempted (the client's address was known).
    var identityAlignment: String {
        var failed: [String] = []
        if !verdict.dmarc.dkimAligned { failed.append("dkim") }
        if verdict.spf != nil, !verdict.dmarc.spfAligned { failed.append("spf") }
        return failed.isEmpty ? "none" : failed.joined(separator: ", ")
    }

    /// The first DKIM signature that did not pass although its `d=` is aligned with the Author
    /// Domain under the record's `adkim` mode.
    var failedAlignedSignature: DKIMResult? {
        let dmarc = verdict.dmarc
        guard let author = dmarc.authorDomain else { return nil }
        let mode = dmarc.record?.dkimAlignment ?? .relaxed
        return verdict.dkim.first { signature in
            guard signature.status != .pass, signature.status != .none, let domain = signature.domain else { return false }
            return Self.isAligned(domain, with: author, organizationalDomain: dmarc.organizationalDomain, mode: mode)
        }
    }

    /// RFC 9989 §3.2.10: strict is the same name; relaxed is the same Organizational Domain,
    /// which for a name under the Author Domain's Organizational Domain is that domain.
    static func isAligned(_ domain: String, with author: String, organizationalDomain: String?,
                          mode: DMARCRecord.AlignmentMode) -> Bool {
        guard let name = DMARCDomainName.normalized(domain) else { return false }
        if name == author { return true }
        guard mode == .relaxed else { return false }
        let organization = organizationalDomain ?? author
        return name == organization || name.hasSuffix("." + organization)
    }

    /// A few lines for a person who opens the report, each at most 76 characters.
    func summary(domain: String) -> String {
        var text = "This is a DMARC failure report (RFC 9991) from \(reporter) for a message whose From: "
            + "domain is \(domain)"
        if let ip = original.sourceIP { text += ", received from \(ip)" }
        text += " on \(AggregateReportMail.dateText(original.arrivalDate)). DMARC: \(verdict.dmarc.result). "
        switch original.content {
        case .headers:
            text += "The message's header fields follow; the body is not included."
        case .message:
            text += "The whole message follows."
        case .headersOfLargeMessage(let limit):
            text += "The message was larger than the \(limit) bytes a whole copy may have, so only its header "
                + "fields follow."
        }
        return AggregateReportMail.wrapped(text)
    }

    /// `value` when it can stand in a header field as it is (printable ASCII), else nil.
    static func headerSafe(_ value: String) -> String? {
        AggregateReportMail.isSafeHeaderValue(value) ? value : nil
    }

    static func withoutAngleBrackets(_ address: String) -> String {
        var text = Substring(address)
        if text.hasPrefix("<") { text = text.dropFirst() }
        if text.hasSuffix(">") { text = text.dropLast() }
        return String(text)
    }

    /// An RFC 5322 quoted-string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
