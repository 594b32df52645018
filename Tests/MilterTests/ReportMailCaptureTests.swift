import DNS
import Logging
import Milter
import NIOConcurrencyHelpers
import Testing

/// Which mail the DMARC filter keeps whole for the report ingest (`ReportMailbox`), and what it
/// answers then, driven through the filter's message state without a socket.
struct ReportMailCaptureTests {
    static let mailbox = "dmarc@example.com"
    /// The header fields as the MTA sends them with SMFIP_HDR_LEADSPC (leading space kept).
    static let fields: [(name: String, value: String)] = [
        ("From", " noreply-dmarc-support@reporter.example"),
        ("Subject", " Report Domain: example.com Submitter: reporter.example Report-ID: <1@reporter.example>"),
    ]
    static let body = Array("the report\r\n".utf8)
    /// The message as it was sent: what a capture must hand over, byte for byte.
    static let wholeMessage = Array("""
        From: noreply-dmarc-support@reporter.example\r
        Subject: Report Domain: example.com Submitter: reporter.example Report-ID: <1@reporter.example>\r
        \r
        the report\r

        """.utf8)

    /// Feeds one message to `recipients` through a filter with the given settings, whose capture
    /// takes the message when `accepted`, and returns its end-of-message replies and what the
    /// filter handed to the capture.
    static func check(recipients: [String], accepted: Bool = true, resolver: StaticResolver = StaticResolver(),
                      change: (inout MilterFilterSettings) -> Void = { _ in })
        async throws -> (replies: [MilterReply], captured: [CapturedReportMail]) {
        var settings = MilterFilterSettings(authenticator: .init(authservID: "mx.example.test"))
        settings.reportMailboxes = [mailbox]
        change(&settings)
        let captured = NIOLockedValueBox<[CapturedReportMail]>([])
        var logger = Logger(label: "capture-test")
        logger.logLevel = .error
        let filter = DMARCMilterFilter(resolver: resolver, settings: settings, logger: logger,
                                       captureReport: { mail in
                                           captured.withLockedValue { $0.append(mail) }
                                           return accepted
                                       })
        let connection = MilterConnection(hostname: "mail.reporter.example", address: .ipv4("192.0.2.7", port: 25),
                                          headerLeadingSpace: true)
        var message = try #require(filter.startMessage(
            connection: connection, envelope: MilterEnvelope(sender: "<bounces@reporter.example>", macros: [:]),
            executor: nil))
        for recipient in recipients { message.recipient(recipient) }
        for field in fields { message.header(name: field.name, value: Array(field.value.utf8)) }
        message.endOfHeaders()
        message.body(body)
        let replies = await message.finish(macros: ["i": "4QUEUE"])
        return (replies, captured.withLockedValue { $0 })
    }

    @Test func mailToAReportMailboxIsHandedOverWholeAndStillDelivered() async throws {
        // Given a recipient written as the MTA may send it, in angle brackets and another case
        let (replies, captured) = try await Self.check(recipients: ["<DMARC@Example.COM>"])
        // Then the message is handed over as it arrived, and goes on as usual
        #expect(captured.map(\.queueID) == ["4QUEUE"])
        #expect(captured.first?.bytes == Self.wholeMessage)
        #expect(replies.last == .continue)
        #expect(replies.contains { if case .insertHeader(0, "Authentication-Results", _) = $0 { true } else { false } })
    }

    @Test func mailToOtherRecipientsIsNotKept() async throws {
        let (replies, captured) = try await Self.check(recipients: ["<postmaster@example.com>"])
        #expect(captured.isEmpty)
        #expect(replies.last == .continue)
    }

    @Test func discardOnlyWhenEveryRecipientIsAReportMailbox() async throws {
        // Given ReportMailboxDiscard
        let discard: (inout MilterFilterSettings) -> Void = { $0.discardReportMailboxMail = true }
        // When the mailbox is the only recipient, the mail is discarded once handed over
        let alone = try await Self.check(recipients: ["<dmarc@example.com>"], change: discard)
        #expect(alone.replies.last == .discard && alone.captured.count == 1)
        // When someone else gets it too, it is handed over and delivered
        let shared = try await Self.check(recipients: ["<dmarc@example.com>", "<postmaster@example.com>"], change: discard)
        #expect(shared.replies.last == .continue && shared.captured.count == 1)
    }

    @Test func mailTheCaptureCannotTakeIsDeliveredNotDiscarded() async throws {
        // Given a full ingest queue
        let (replies, captured) = try await Self.check(recipients: ["<dmarc@example.com>"], accepted: false) {
            $0.discardReportMailboxMail = true
        }
        #expect(captured.count == 1)
        #expect(replies.last == .continue)
    }

    @Test func mailTheMilterRejectsIsNotHandedOver() async throws {
        // Given a reporter whose policy rejects the unauthenticated message, and RejectFailures
        var resolver = StaticResolver()
        resolver.add(.txt(TXTRecord("v=DMARC1; p=reject")), at: "_dmarc.reporter.example")
        let (replies, captured) = try await Self.check(recipients: ["<dmarc@example.com>"], resolver: resolver) {
            $0.rejectFailures = true
        }
        #expect(captured.isEmpty)
        #expect(replies.last == .replyCode("550 5.7.1 rejected by DMARC policy for reporter.example"))
    }

    @Test func mailLongerThanTheLimitIsNotKeptAndNeverDiscarded() async throws {
        // Given a limit one byte short of the message
        let (replies, captured) = try await Self.check(recipients: ["<dmarc@example.com>"]) {
            $0.reportMailboxMessageLimit = Self.wholeMessage.count - 1
            $0.discardReportMailboxMail = true
        }
        // Then nothing is handed over and the mail is delivered, as it is in no database
        #expect(captured.isEmpty)
        #expect(replies.last == .continue)
    }

    @Test func mailExactlyAtTheLimitIsKept() async throws {
        let (_, captured) = try await Self.check(recipients: ["<dmarc@example.com>"]) {
            $0.reportMailboxMessageLimit = Self.wholeMessage.count
        }
        #expect(captured.first?.bytes == Self.wholeMessage)
    }
}
