import Testing
@testable import Reporter

/// The few MIME rules the ingester needs (RFC 2045, RFC 2046, RFC 2231).
@Suite struct MIMEEntityTests {
    @Test func parametersAreReadQuotedOrNotAndAcrossRFC2231Continuations() {
        let parameters = MIMEEntity.parameters(
            #"attachment; filename*0*=utf-8''google.com%21example.com; filename*1=".xml.zip"; size=123; name="a \"b\"""#)
        #expect(parameters["filename"] == "google.com!example.com.xml.zip")
        #expect(parameters["size"] == "123")
        #expect(parameters["name"] == #"a "b""#)
    }

    @Test func quotedPrintableDecodesOctetsAndSoftLineBreaks() {
        let decoded = MIMEEntity.quotedPrintableDecoded(Array("<a x=3D\"1\">lo=\r\nng =E2=9C=93 =ZZ</a>".utf8)[...])
        #expect(String(decoding: decoded, as: UTF8.self) == "<a x=\"1\">long ✓ =ZZ</a>")
    }

    @Test func aLongerInnerBoundaryDoesNotEndAnOuterPart() throws {
        let message = """
            Content-Type: multipart/mixed; boundary=abc\r
            \r
            preamble\r
            --abc\r
            Content-Type: multipart/alternative; boundary=abc_1\r
            \r
            --abc_1\r
            Content-Type: text/plain\r
            \r
            inner\r
            --abc_1--\r
            --abc \r
            Content-Type: text/plain\r
            \r
            second\r
            --abc--\r
            epilogue\r

            """
        let parts = try MIMEEntity(Array(message.utf8)[...]).parts(limit: 10)
        #expect(parts.count == 2)
        #expect(try MIMEEntity(parts[0]).parts(limit: 10).count == 1)
        #expect(try String(decoding: MIMEEntity(parts[1]).decodedBody(), as: UTF8.self) == "second")
    }

    @Test func morePartsThanTheLimitAreRefused() {
        let message = "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + String(repeating: "--b\r\n\r\nx\r\n", count: 5) + "--b--\r\n"
        #expect(throws: MIMEEntity.Invalid.self) { try MIMEEntity(Array(message.utf8)[...]).parts(limit: 3) }
    }
}
