import Auth
import Testing

/// Writing Authentication-Results (RFC 8601 §2.2).
struct AuthenticationResultTests {
    @Test func tokensStayBareAndOtherValuesAreQuoted() {
        let result = AuthenticationResult(method: "dkim", result: "pass", properties: [
            .init(ptype: "header", name: "d", value: "example.com"),
            .init(ptype: "header", name: "b", value: "ab/c+d=="),
            .init(ptype: "header", name: "s", value: "sel ector"),
        ])
        #expect(result.render() == "dkim=pass header.d=example.com header.b=\"ab/c+d==\" header.s=\"sel ector\"")
    }

    @Test func addressesMayStayBareInPropertyValues() {
        let result = AuthenticationResult(method: "spf", result: "pass", properties: [
            .init(ptype: "smtp", name: "mailfrom", value: "user@example.com"),
            .init(ptype: "header", name: "i", value: "@example.com"),
            .init(ptype: "header", name: "from", value: "a b@example.com"),
        ])
        #expect(result.render() == "spf=pass smtp.mailfrom=user@example.com header.i=@example.com header.from=\"a b@example.com\"")
    }

    @Test func reasonIsAValueAndCommentIsEscaped() {
        let result = AuthenticationResult(method: "dkim", result: "fail", reason: "body hash did not verify",
                                          comment: "2048-bit key (old) \\ x")
        #expect(result.render() == "dkim=fail (2048-bit key \\(old\\) \\\\ x) reason=\"body hash did not verify\"")
        #expect(AuthenticationResult(method: "dkim", result: "fail", reason: "nokey").render() == "dkim=fail reason=nokey")
    }

    @Test func textFromAMessageCannotBreakTheField() {
        let result = AuthenticationResult(method: "dkim", result: "permerror", reason: "d=\"evil\r\nX-Injected: yes",
                                          comment: "a)\r\nb")
        let rendered = result.render()
        #expect(!rendered.contains("\r") && !rendered.contains("\n"))
        #expect(rendered == "dkim=permerror (a\\)  b) reason=\"d=\\\"evil  X-Injected: yes\"")
    }

    @Test func headerListsResultsOrSaysNone() {
        let header = AuthenticationResultsHeader(authservID: "mx.example.org", results: [
            AuthenticationResult(method: "spf", result: "pass", properties: [.init(ptype: "smtp", name: "mailfrom", value: "example.com")]),
            AuthenticationResult(method: "dkim", result: "none"),
        ])
        #expect(header.render() == "mx.example.org; spf=pass smtp.mailfrom=example.com; dkim=none")
        #expect(AuthenticationResultsHeader(authservID: "mx.example.org", results: []).render() == "mx.example.org; none")
        #expect(AuthenticationResultsHeader.fieldName == "Authentication-Results")
    }
}
