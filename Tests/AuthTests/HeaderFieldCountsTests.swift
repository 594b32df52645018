import Auth
import Testing

/// RFC 5322 §3.6's limits on how often a field may appear.
struct HeaderFieldCountsTests {
    static func counts(_ names: [String]) -> HeaderFieldCounts {
        var counts = HeaderFieldCounts()
        names.forEach { counts.count($0) }
        return counts
    }

    @Test func usualHeaderIsFine() {
        #expect(Self.counts(["Received", "Received", "Date", "From", "To", "Subject", "Message-ID", "X-Mailer"]).violation == nil)
    }

    @Test func missingDateAndDuplicatesAreNamedWithRFCSpelling() {
        let counts = Self.counts(["from", "FROM", "Subject", "subject", "Message-Id", "message-id", "reply-to", "Reply-To"])
        #expect(counts.violation == "no Date field, 2 From fields, 2 Reply-To fields, 2 Message-ID fields, 2 Subject fields")
    }

    @Test func fieldsWithoutLimitsAreNotCounted() {
        #expect(Self.counts(["Date", "From", "Received", "Received", "Comments", "Comments", "Keywords", "Keywords"]).violation == nil)
    }
}
