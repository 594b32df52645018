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

/// RFC 5322 §2.2.3 folding of the field dmarcd adds.
struct AuthenticationResultsFoldingTests {
    static let header = AuthenticationResultsHeader(authservID: "mx.example.org", results: [
        AuthenticationResult(method: "spf", result: "pass", reason: "client-ip=192.0.2.1",
                             properties: [.init(ptype: "smtp", name: "mailfrom", value: "bounces@lists.example.org")]),
    ] + (1...4).map { index in
        AuthenticationResult(method: "dkim", result: "pass", comment: "2048-bit rsa key", properties: [
            .init(ptype: "header", name: "d", value: "signer\(index).example.net"),
            .init(ptype: "header", name: "s", value: "selector\(index)"),
            .init(ptype: "header", name: "b", value: "AbCdEfG\(index)"),
        ])
    } + [
        AuthenticationResult(method: "dmarc", result: "pass", comment: "p=reject dis=none",
                             properties: [.init(ptype: "header", name: "from", value: "example.org")]),
    ])

    @Test func everyLineFitsWithTheFieldName() {
        let lines = ("Authentication-Results: " + Self.header.renderFolded()).split(separator: "\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 78 }, "\(lines)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("\t") })
    }

    @Test func unfoldingGivesTheOneLineForm() {
        let unfolded = Self.header.renderFolded().replacingOccurrences(of: "\n\t", with: " ")
        #expect(unfolded == Self.header.render())
    }

    @Test func foldedFieldParsesBackToTheSameResults() throws {
        #expect(try AuthenticationResultsParser.parse(Self.header.renderFolded(lineEnd: "\r\n")) == Self.header)
    }

    @Test func shortFieldStaysOnOneLine() {
        let short = AuthenticationResultsHeader(authservID: "mx", results: [AuthenticationResult(method: "dmarc", result: "none")])
        #expect(short.renderFolded() == short.render())
    }
}
