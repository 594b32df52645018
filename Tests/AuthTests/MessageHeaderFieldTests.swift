import Auth
import Testing

/// Header field primitives (RFC 5322 §2.2) and the way Postfix delivers fields to a milter.
struct MessageHeaderFieldTests {
    @Test func bareLineFeedFoldsBecomeCRLF() {
        let field = HeaderField(name: "Subject", value: " one\n\ttwo\r\n three")
        #expect(field.rawValue == Array(" one\r\n\ttwo\r\n three".utf8))
    }

    @Test func loneCarriageReturnIsLeftAlone() {
        #expect(LineEndings.crlf(Array("a\rb\nc".utf8)) == Array("a\rb\r\nc".utf8))
    }

    @Test func milterValueGetsBackTheSpacePostfixDropped() {
        let stripped = HeaderField(milterName: "From", value: Array("alice@example.com".utf8), leadingSpaceStripped: true)
        let kept = HeaderField(milterName: "From", value: Array(" alice@example.com".utf8), leadingSpaceStripped: false)
        #expect(stripped == kept)
        #expect(stripped.description == "From: alice@example.com")
    }

    @Test func milterValueWithLineFeedFoldingIsRepaired() {
        let field = HeaderField(milterName: "DKIM-Signature", value: Array("v=1; a=rsa-sha256;\n\ts=sel".utf8),
                                leadingSpaceStripped: true)
        #expect(field.rawValue == Array(" v=1; a=rsa-sha256;\r\n\ts=sel".utf8))
    }

    @Test func unfoldingRemovesLineBreaksBeforeWhiteSpaceOnly() {
        #expect(HeaderFolding.unfold(Array("a\r\n b\n\tc\r\nd".utf8)) == Array("a b\tc\r\nd".utf8))
        #expect(HeaderField(name: "Subject", value: "  Is dinner\r\n\tready?  ").unfoldedValue == "Is dinner\tready?")
    }

    @Test func namesCompareWithoutCase() {
        let field = HeaderField(name: "DKIM-Signature", value: " v=1")
        #expect(field.hasName("dkim-signature") && field.hasName("DKIM-SIGNATURE"))
        #expect(!field.hasName("DKIM-Signatur"))
        #expect(field.lowercasedName == "dkim-signature")
        #expect(field.byteCount == "DKIM-Signature: v=1\r\n".utf8.count)
    }

    @Test func storedMessageSplitsIntoFieldsAndBody() throws {
        let message = LineEndings.crlf(Array("From: a@example.com\nSubject: one\n two\nX-Empty:\n\nBody\n".utf8))
        let (fields, bodyOffset) = try MessageHeaderParser.parse(message)
        #expect(fields.map(\.description) == ["From: a@example.com", "Subject: one\r\n two", "X-Empty:"])
        #expect(Array(message[bodyOffset...]) == Array("Body\r\n".utf8))
    }

    @Test func messageWithoutBodyEndsAfterItsFields() throws {
        let message = Array("From: a@example.com\r\n".utf8)
        let (fields, bodyOffset) = try MessageHeaderParser.parse(message)
        #expect(fields.count == 1 && bodyOffset == message.count)
    }

    @Test func lineThatIsNotAFieldIsAnError() {
        #expect(throws: MessageHeaderParser.ParseError.self) {
            try MessageHeaderParser.parse(Array("From: a\r\nnot a field\r\n\r\n".utf8))
        }
        #expect(throws: MessageHeaderParser.ParseError.self) {
            try MessageHeaderParser.parse(Array(" folded first\r\n\r\n".utf8))
        }
    }

    @Test func domainNamesFollowRFC5321() {
        #expect(DomainNameSyntax.isDomainName("mail.example.com"))
        #expect(!DomainNameSyntax.isDomainName("example"))
        #expect(DomainNameSyntax.isDomainName("example", minimumLabels: 1))
        #expect(!DomainNameSyntax.isDomainName("exa_mple.com"))
        #expect(DomainNameSyntax.isDomainName("s_1.sel", minimumLabels: 1, allowingUnderscore: true))
        #expect(!DomainNameSyntax.isDomainName("a..com"))
        #expect(!DomainNameSyntax.isDomainName(String(repeating: "a", count: 64) + ".com"))
        #expect(DomainNameSyntax.isName("Mail.Example.com", within: "example.COM"))
        #expect(!DomainNameSyntax.isName("badexample.com", within: "example.com"))
    }
}
