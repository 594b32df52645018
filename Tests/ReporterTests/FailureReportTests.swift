import Auth
import DNS
import Foundation
import Reporter
import Testing
import TestSupport

/// The failure report message (RFC 9991 §4, RFC 6591, RFC 5965), read back part by part and
/// compared with real reports of the shared corpus.
@Suite struct FailureReportTests {
    static let headerBlock = Array("""
        Received: from mail.forger.example (mail.forger.example [192.0.2.7])\r
        \tby mx.receiver.example (Postfix) with ESMTP id 4AbCdE\r
        From: Boss <boss@example.com>\r
        To: staff@receiver.example\r
        Subject: Invoice\r
        Message-ID: <123@forger.example>\r
        DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel1; i=news@mail.example.com;\r
        \th=from:subject; bh=abc=; b=def=\r

        """.utf8)

    /// A verdict for mail from example.com that failed DMARC: SPF failed for the aligned
    /// bounce domain, the aligned DKIM signature did not verify.
    static func failingVerdict(policy: DMARCPolicy = .reject, record: String = "v=DMARC1; p=reject; ruf=mailto:ruf@example.com")
        throws -> MessageVerdict {
        let client = IPAddress("192.0.2.7")!
        let spf = SPFOutcome(result: .fail, identity: .mailFrom, domain: "bounce.example.com",
                             sender: "bounce@bounce.example.com", clientIP: client,
                             matches: [.init(domain: "bounce.example.com", directive: "-all")])
        let dkim = DKIMResult(status: .fail, domain: "mail.example.com", selector: "sel1", identity: "news@mail.example.com")
        var dmarc = DMARCOutcome(result: .fail, disposition: policy, authorDomain: "example.com")
        dmarc.record = try DMARCRecord(parsing: record)
        dmarc.policyDomain = "example.com"
        dmarc.organizationalDomain = "example.com"
        dmarc.appliedPolicy = DMARCAppliedPolicy(tag: .p, policy: policy)
        dmarc.spf = DMARCIdentifierCheck(mechanism: .spf(.mailFrom), domain: "bounce.example.com", result: .fail,
                                         mode: .relaxed, alignment: .notChecked)
        dmarc.dkim = [DMARCIdentifierCheck(mechanism: .dkim(selector: "sel1"), domain: "mail.example.com", result: .fail,
                                           mode: .relaxed, alignment: .notChecked)]
        return MessageVerdict(authservID: "mx.receiver.example", spf: spf, dkim: [dkim], dmarc: dmarc,
                              forgedAuthenticationResults: [])
    }

    static func report(verdict: MessageVerdict, to: [String] = ["ruf@example.com"]) -> FailureReport {
        FailureReport(
            from: "dmarc-reports@receiver.example", to: to, reporter: "mx.receiver.example", userAgent: "dmarcd/1.0",
            reportID: "1764417600.1.abcdef", date: Date(timeIntervalSince1970: 1_764_417_700),
            original: .init(mailFrom: "<bounce@bounce.example.com>", recipients: ["<staff@receiver.example>"],
                            sourceIP: IPAddress("192.0.2.7"), arrivalDate: Date(timeIntervalSince1970: 1_764_417_600),
                            headerBlock: headerBlock),
            verdict: verdict, deliveryResult: .reject,
            spfRecords: [.init(domain: "bounce.example.com", text: "v=spf1 ip4:198.51.100.0/24 -all")])
    }

    @Test("the report is multipart/report with a text, a feedback report and the header block, in that order")
    func structure() throws {
        let message = try MIMEMessage(Self.report(verdict: Self.failingVerdict()).message())
        #expect(message.header("Content-Type")?.hasPrefix("multipart/report; report-type=feedback-report;") == true)
        #expect(message.parts.map(\.contentType) == ["text/plain", "message/feedback-report", "text/rfc822-headers"])
        #expect(message.header("From") == "dmarc-reports@receiver.example")
        #expect(message.header("To") == "ruf@example.com")
        #expect(message.header("Auto-Submitted") == "auto-generated")
        #expect(message.header("Message-ID") == "<1764417600.1.abcdef@mx.receiver.example>")
        #expect(message.header("Date") == "Sat, 29 Nov 2025 12:01:40 +0000")
        #expect(message.header("Subject") == "DMARC failure report for example.com from 192.0.2.7")
        #expect(message.header("MIME-Version") == "1.0")
        #expect(message.closed)
    }

    @Test("the feedback report carries the fields RFC 6591 and RFC 9991 section 4 ask for")
    func feedbackFields() throws {
        let message = try MIMEMessage(Self.report(verdict: Self.failingVerdict()).message())
        let fields = MIMEMessage.fields(of: message.parts[1].body)
        let expected: [(String, String)] = [
            ("Feedback-Type", "auth-failure"), ("User-Agent", "dmarcd/1.0"), ("Version", "1"),
            ("Original-Mail-From", "<bounce@bounce.example.com>"), ("Original-Rcpt-To", "<staff@receiver.example>"),
            ("Arrival-Date", "Sat, 29 Nov 2025 12:00:00 +0000"), ("Source-IP", "192.0.2.7"),
            ("Reported-Domain", "example.com"),
            ("Authentication-Results", "mx.receiver.example; dmarc=fail (p=reject dis=reject) header.from=example.com"),
            ("Auth-Failure", "dmarc"), ("Identity-Alignment", "dkim, spf"),
            ("DKIM-Domain", "mail.example.com"), ("DKIM-Identity", "news@mail.example.com"), ("DKIM-Selector", "sel1"),
            ("SPF-DNS", "txt : bounce.example.com : \"v=spf1 ip4:198.51.100.0/24 -all\""),
            ("Delivery-Result", "reject"),
        ]
        #expect(fields.map(\.name) == expected.map(\.0))
        #expect(fields.map(\.value) == expected.map(\.1))
    }

    @Test("the third part is the header block as received and no body")
    func headerBlockOnly() throws {
        let message = try MIMEMessage(Self.report(verdict: Self.failingVerdict()).message())
        let lines = String(decoding: Self.headerBlock, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(message.parts[2].body == lines)
        #expect(message.parts[2].header("Content-Transfer-Encoding") == "7bit")
    }

    static let body = Array("Please pay the attached invoice.\r\n\r\n-- \r\nBoss\r\n".utf8)

    @Test("with the whole message the third part is message/rfc822: the header block, a blank line, the body")
    func wholeMessage() throws {
        var report = Self.report(verdict: try Self.failingVerdict())
        report.original.content = .message(body: Self.body)
        let message = try MIMEMessage(report.message())

        #expect(message.parts.map(\.contentType) == ["text/plain", "message/feedback-report", "message/rfc822"])
        let expected = String(decoding: Self.headerBlock + Array("\r\n".utf8) + Self.body, as: UTF8.self)
            .replacingOccurrences(of: "\r\n", with: "\n")
        #expect(message.parts[2].body == expected)
        #expect(message.parts[2].header("Content-Transfer-Encoding") == "7bit")
        #expect(message.parts[0].body.replacingOccurrences(of: "\n", with: " ").contains("The whole message follows."))
        #expect(message.closed)
    }

    @Test("a message too large for a whole copy is reported with its header block and a note in the text")
    func largeMessageHeadersOnly() throws {
        var report = Self.report(verdict: try Self.failingVerdict())
        report.original.content = .headersOfLargeMessage(limit: 1_048_576)
        let message = try MIMEMessage(report.message())

        #expect(message.parts.map(\.contentType) == ["text/plain", "message/feedback-report", "text/rfc822-headers"])
        #expect(!message.parts[2].body.contains("Please pay"))
        let text = message.parts[0].body.replacingOccurrences(of: "\n", with: " ")
        #expect(text.contains("larger than the 1048576 bytes a whole copy may have"), "\(text)")
    }

    @Test("Identity-Alignment names only the mechanisms without an aligned pass; DKIM fields only for an aligned failure")
    func alignmentFields() throws {
        var verdict = try Self.failingVerdict()
        verdict.dmarc.spf?.result = .pass
        verdict.dmarc.spf?.alignment = .relaxed(organizationalDomain: "example.com")
        verdict.spf?.result = .pass
        verdict.dkim = [DKIMResult(status: .fail, domain: "unrelated.example", selector: "s")]
        let fields = MIMEMessage.fields(of: try MIMEMessage(Self.report(verdict: verdict).message()).parts[1].body)
        #expect(fields.first { $0.name == "Identity-Alignment" }?.value == "dkim")
        #expect(!fields.contains { $0.name.hasPrefix("DKIM-") || $0.name == "SPF-DNS" })
    }

    @Test("header values that could add fields are refused, and odd input does not crash")
    func hostileInput() throws {
        var report = Self.report(verdict: try Self.failingVerdict())
        report.from = "a@b.example\r\nBcc: victim@example.net"
        #expect(throws: FailureReport.Invalid.self) { try report.message() }
        report = Self.report(verdict: try Self.failingVerdict(), to: [])
        #expect(throws: FailureReport.Invalid.self) { try report.message() }
        report = Self.report(verdict: try Self.failingVerdict())
        report.original.recipients = ["<x@y.example>\r\nInjected: 1"]
        report.original.mailFrom = ""
        report.original.headerBlock = Array("Subject: caf\u{e9}\nX: no CRLF".utf8)
        let message = try MIMEMessage(report.message())
        let fields = MIMEMessage.fields(of: message.parts[1].body)
        #expect(!fields.contains { $0.name == "Original-Rcpt-To" || $0.name == "Injected" })
        #expect(fields.first { $0.name == "Original-Mail-From" }?.value == "<>")
        #expect(message.parts[2].body == "Subject: caf\u{e9}\nX: no CRLF\n")
        #expect(message.parts[2].header("Content-Transfer-Encoding") == "8bit")
    }

    /// The corpus's RFC 6591 example (stalwart 005) and a real report (parsedmarc's domain.de)
    /// have the same three parts and feedback fields that ours has too.
    @Test("the structure matches real failure reports of the corpus", arguments: [
        "stalwart-mail-auth/resources/arf/005.eml",
        "parsedmarc/samples/failure/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml",
    ])
    func corpusStructure(path: String) throws {
        let sample = try MIMEMessage(Array(Fixtures.text(Fixtures.corpus(path)).utf8))
        let ours = try MIMEMessage(Self.report(verdict: Self.failingVerdict()).message())
        #expect(sample.header("Content-Type")?.hasPrefix("multipart/report") == true)
        #expect(sample.parts.count == ours.parts.count)
        #expect(sample.parts[0].contentType == ours.parts[0].contentType)
        #expect(sample.parts[1].contentType == ours.parts[1].contentType)
        #expect(["text/rfc822-headers", "message/rfc822"].contains(sample.parts[2].contentType))
        let theirNames = Set(MIMEMessage.fields(of: sample.parts[1].body).map { $0.name.lowercased() })
        let ourNames = Set(MIMEMessage.fields(of: ours.parts[1].body).map { $0.name.lowercased() })
        let shared: Set = ["feedback-type", "user-agent", "version", "original-mail-from", "arrival-date", "source-ip",
                           "reported-domain", "authentication-results", "auth-failure"]
        #expect(shared.isSubset(of: theirNames))
        #expect(shared.isSubset(of: ourNames))
    }
}

/// Just enough MIME to read a report back: top-level fields, the parts between the boundary
/// lines, and each part's fields and body.
struct MIMEMessage {
    struct Part {
        var fields: [(name: String, value: String)]
        var body: String

        func header(_ name: String) -> String? {
            fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        var contentType: String? {
            header("Content-Type").map { String($0.prefix { $0 != ";" }).lowercased() }
        }
    }

    struct Malformed: Error {}

    var fields: [(name: String, value: String)]
    var parts: [Part]
    /// True when the closing boundary line was found.
    var closed: Bool

    init(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        guard let split = text.range(of: "\n\n") else { throw Malformed() }
        fields = Self.fields(of: String(text[..<split.lowerBound]))
        let contentType = fields.first { $0.name.lowercased() == "content-type" }?.value ?? ""
        guard let boundaryRange = contentType.range(of: "boundary=") else { throw Malformed() }
        var boundary = String(contentType[boundaryRange.upperBound...].prefix { $0 != ";" })
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let body = String(text[split.upperBound...])
        let delimiter = "\n--" + boundary
        let pieces = ("\n" + body).components(separatedBy: delimiter)
        closed = pieces.last?.hasPrefix("--") == true
        parts = pieces.dropFirst().filter { !$0.hasPrefix("--") }.map { piece in
            let content = String(piece.drop { $0 != "\n" }.dropFirst())
            guard let end = content.range(of: "\n\n") else { return Part(fields: Self.fields(of: content), body: "") }
            return Part(fields: Self.fields(of: String(content[..<end.lowerBound])),
                        body: String(content[end.upperBound...]))
        }
    }

    func header(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Unfolded `Name: value` fields of a block with LF or CRLF line ends.
    static func fields(of block: String) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for line in block.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n") {
            if line.first == " " || line.first == "\t", !result.isEmpty {
                result[result.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                result.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        return result
    }
}
