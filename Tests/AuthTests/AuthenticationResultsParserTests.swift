import Auth
import Foundation
import Testing
import TestSupport

struct AuthenticationResultsParserTests {
    /// The 22 header fields of the authres library's tests (../shared/corpus/authres-python).
    static let corpusFields: [String] = {
        let text = (try? Fixtures.text(Fixtures.corpus("authres-python/authres-headers-extracted.txt"))) ?? ""
        return text.split(separator: "\n").map { String($0.dropFirst("Authentication-Results:".count)) }
    }()

    @Test func everyCorpusFieldParses() throws {
        #expect(Self.corpusFields.count == 22)
        for field in Self.corpusFields {
            #expect(throws: Never.self, "\(field)") { try AuthenticationResultsParser.parse(field) }
        }
    }

    @Test func methodsResultsCommentsAndPropertiesAreRead() throws {
        let header = try AuthenticationResultsParser.parse(
            " mail-router.example.net; dkim=pass (good signature) header.d=newyork.example.com header.b=oINEO8hg;"
                + " dkim=fail (bad signature) header.d=newyork.example.com header.b=EToRSuvU")
        #expect(header.authservID == "mail-router.example.net")
        #expect(header.results.map(\.method) == ["dkim", "dkim"])
        #expect(header.results.map(\.result) == ["pass", "fail"])
        #expect(header.results[0].comment == "good signature")
        #expect(header.results[1].properties == [
            .init(ptype: "header", name: "d", value: "newyork.example.com"),
            .init(ptype: "header", name: "b", value: "EToRSuvU"),
        ])
    }

    @Test func reasonVersionAndQuotedValuesAreRead() throws {
        let header = try AuthenticationResultsParser.parse(
            #"example.com 1; spf/2=pass reason="sender \"ok\"" smtp.mailfrom="a b@example.net""#)
        #expect(header.results.first?.method == "spf")
        #expect(header.results.first?.reason == #"sender "ok""#)
        #expect(header.results.first?.properties.first?.value == "a b@example.net")
    }

    @Test func noResultIsAnEmptyList() throws {
        let header = try AuthenticationResultsParser.parse("example.org; none")
        #expect(header.authservID == "example.org")
        #expect(header.results.isEmpty)
    }

    @Test func renderedFieldParsesBackToTheSameResults() throws {
        let written = AuthenticationResultsHeader(authservID: "mx.example.org", results: [
            AuthenticationResult(method: "dmarc", result: "fail", comment: "p=reject dis=reject",
                                 properties: [.init(ptype: "header", name: "from", value: "example.com")]),
            AuthenticationResult(method: "spf", result: "pass",
                                 properties: [.init(ptype: "smtp", name: "mailfrom", value: "bounce@example.com")]),
        ])
        #expect(try AuthenticationResultsParser.parse(written.render()) == written)
    }

    @Test(arguments: ["", ";", "example.com; dkim", "example.com; dkim=", "example.com (unclosed; dkim=pass",
                      "example.com; dkim=pass header.d=\"open", "example.com; =pass"])
    func malformedFieldsAreErrors(field: String) {
        #expect(throws: AuthenticationResultsParser.ParseError.self) { try AuthenticationResultsParser.parse(field) }
    }
}

/// RFC 8601 §5: fields claiming our authserv-id are removed from arriving mail.
struct AuthenticationResultsForgeryTests {
    @Test(arguments: [
        "mx.example.com; dmarc=pass header.from=bank.example",
        "MX.Example.COM; spf=pass smtp.mailfrom=bank.example",
        " (comment) mx.example.com; dkim=pass",
        "\"mx.example.com\"; dkim=pass",
        "mx.example.com 1; none",
        // CVE-2020-12272: an unclosed comment hid the real authserv-id from OpenDMARC.
        "example.net(.mx.example.com; dmarc=pass",
        "mx.example.com(; dmarc=pass",
        "garbage \"mx.example.com",
    ])
    func fieldThatClaimsOurIDIsRecognised(field: String) {
        #expect(AuthenticationResultsParser.claims(field, authservID: "mx.example.com"))
    }

    @Test(arguments: [
        "mx.example.net; dmarc=pass header.from=example.com",
        "example.com; spf=pass smtp.mailfrom=mx.example.com",
        "mx.example.com.attacker.example; dkim=pass",
    ])
    func fieldOfAnotherHostIsKept(field: String) {
        #expect(!AuthenticationResultsParser.claims(field, authservID: "mx.example.com"))
    }
}
