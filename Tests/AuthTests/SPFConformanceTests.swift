import Auth
import DNS
import Testing

/// Every case of the public SPF suites, each reported under its own name: the pyspf RFC 7208
/// and RFC 4408 suites and stalwart's cases (corpus SOURCES.md §1). Where RFC 7208 decides
/// differently from a suite, a fixture in `Tests/Fixtures/spf/` replaces that case's
/// expectation and says why.
@Suite("SPF conformance suites")
struct SPFConformanceTests {
    @Test("pyspf RFC 7208 suite", arguments: try SPFPySPFSuite.cases("rfc7208-tests.yml"))
    func rfc7208(_ testCase: SPFPySPFCase) async throws {
        try await Self.verify(testCase)
    }

    @Test("pyspf RFC 7208 suite is complete: 203 tests in 16 scenarios")
    func rfc7208IsComplete() throws {
        let cases = try SPFPySPFSuite.cases("rfc7208-tests.yml")
        #expect(cases.count == 203)
        #expect(Set(cases.map(\.scenario)).count == 16)
    }

    @Test(
        "pyspf RFC 4408 suite, with RFC 7208's answers where the two differ",
        arguments: try SPFPySPFSuite.cases("rfc4408-tests.yml", overridesFile: "rfc4408-superseded-by-rfc7208.yml"))
    func rfc4408(_ testCase: SPFPySPFCase) async throws {
        try await Self.verify(testCase)
    }

    @Test("stalwart SPF cases", arguments: try SPFStalwartSuite.allCases(overridesFile: "stalwart-deviations.yml"))
    func stalwart(_ testCase: SPFStalwartCase) async throws {
        let clientIP = try #require(IPAddress(testCase.host))
        let evaluator = SPFEvaluator(resolver: testCase.zone, receivingHost: "localdomain.org")
        // stalwart's combined check: HELO first, MAIL FROM only when HELO passes.
        let helo = await evaluator.checkHELO(testCase.helo, clientIP: clientIP)
        let outcome = helo.result == .pass
            ? await evaluator.checkMailFrom(testCase.mailFrom, helo: testCase.helo, clientIP: clientIP)
            : helo
        #expect(testCase.results.contains(outcome.result), "\(outcome) \(testCase.replacedExpectation ?? "")")
        if let expected = testCase.explanation {
            #expect(outcome.explanation == expected)
        }
    }

    static func verify(_ testCase: SPFPySPFCase) async throws {
        let clientIP = try #require(IPAddress(testCase.host))
        let outcome = await SPFEvaluator(resolver: testCase.zone)
            .checkMailFrom(testCase.mailFrom, helo: testCase.helo, clientIP: clientIP)
        #expect(
            testCase.results.contains(outcome.result),
            "spec \(testCase.spec): \(outcome) \(testCase.replacedExpectation ?? "")")
        switch testCase.explanation {
        case nil:
            break
        case "DEFAULT":
            // pyspf's harness sets "DEFAULT" as the explanation used when the record gives none.
            #expect(outcome.explanation == nil)
        case let expected?:
            #expect(outcome.explanation == expected)
        }
    }
}
