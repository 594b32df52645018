@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// RFC 8617 §5.2 chain validation, against the ValiMail suite and real sealed messages.
struct ARCValidatorTests {
    // MARK: ValiMail suite

    @Test func suiteIsReadWhole() throws {
        // 171 distinct names, four of them used twice (see ARCValidationSuite.uniqueTestNames).
        let cases = try ARCValidationSuite.load()
        #expect(cases.count == 175)
        #expect(Set(cases.map(\.scenario)).count == 10)
    }

    /// Suite tests whose expected cv this validator does not give, each with the RFC text that
    /// decides it, and the result given instead.
    static let departures: [String: (status: ARCResult.Status, why: String)] = [
        // The AMS has no c= and its signature was made with relaxed header canonicalization.
        // RFC 8617 §4.1.2 gives the AMS "the same syntax and semantics as the DKIM-Signature
        // field", and RFC 6376 §3.5 c=: "If no canonicalization algorithm is specified, the
        // "simple" algorithm defaults for both header and body", under which it does not verify.
        "ams_fields_c_na": (.fail, "RFC 8617 §4.1.2, RFC 6376 §3.5: c= defaults to simple/simple"),
    ]

    @Test(arguments: ARCValidationSuite.cases)
    func suiteCase(_ test: ARCValidationCase) async throws {
        // Given the scenario's keys and the test's message
        let message = try DKIMTestMessage(text: test.message)
        // When the chain is validated
        let result = await message.validateARC(resolver: test.resolver)
        // Then the status is the suite's cv, or the RFC's where the two differ
        let expected = Self.departures[test.name]?.status ?? test.expected
        #expect(result.status == expected, "\(result)")
    }

    @Test func suiteDepartsOnlyWhereListed() throws {
        // 174 of the 175 cases give the suite's cv; the one listed gives the RFC's.
        let cases = try ARCValidationSuite.load()
        let departing = cases.filter { Self.departures[$0.name] != nil }
        #expect(departing.map(\.name) == ["ams_fields_c_na"])
        #expect(departing.allSatisfy { $0.expected != Self.departures[$0.name]?.status })
    }

    @Test(arguments: ARCValidationSuite.cases)
    func suiteCaseIsTheSameFedOneByteAtATime(_ test: ARCValidationCase) async throws {
        let message = try DKIMTestMessage(text: test.message)
        let whole = await message.validateARC(resolver: test.resolver)
        let dripped = await message.validateARC(resolver: test.resolver, chunkSize: 1)
        #expect(dripped == whole)
    }

    // MARK: stalwart

    @Test func stalwart001GmailChainPasses() async throws {
        let test = try StalwartCase("001.txt", in: "arc")
        let result = await test.message.validateARC(resolver: test.resolver)
        #expect(result.status == .pass, "\(result)")
        #expect(result.sets.map(\.instance) == Array(stride(from: 1, through: result.instanceCount, by: 1)))
        #expect(result.sets.first?.sealerDomain == "google.com")
    }

    @Test func stalwart001IsTheSameFedOneByteAtATime() async throws {
        let test = try StalwartCase("001.txt", in: "arc")
        let whole = await test.message.validateARC(resolver: test.resolver)
        let dripped = await test.message.validateARC(resolver: test.resolver, chunkSize: 1)
        #expect(dripped == whole)
    }

    @Test(arguments: DKIMFeedMode.allCases)
    func stalwart001PassesAsAMilterReceivesIt(_ mode: DKIMFeedMode) async throws {
        // Given the Gmail chain with header fields as Postfix hands them to a milter
        let test = try StalwartCase("001.txt", in: "arc")
        // Then it validates as the stored message does
        let result = await test.message.validateARC(resolver: test.resolver, mode: mode)
        #expect(result.status == .pass, "\(result)")
    }

    @Test func stalwart002Ed25519SealPasses() async throws {
        let test = try StalwartCase("002.txt", in: "arc")
        let result = await test.message.validateARC(resolver: test.resolver)
        #expect(result.status == .pass, "\(result)")
        #expect(result.instanceCount == 2)
    }

    // MARK: Behaviour

    @Test func messageWithoutARCFieldsIsNone() async throws {
        let message = try DKIMTestMessage(text: "From: a@example.com\nSubject: hi\n\nbody\n")
        let result = await message.validateARC(resolver: StaticResolver())
        #expect(result.status == .none)
        #expect(result.authenticationResult.render() == "arc=none reason=\"no ARC header fields\"")
    }

    @Test func passingChainCarriesSealersAndResults() async throws {
        // Given the suite's two-hop chain
        let test = try #require(ARCValidationSuite.cases.first { $0.name == "cv_pass_i2_1" })
        let message = try DKIMTestMessage(text: test.message)
        // When it is validated
        let result = await message.validateARC(resolver: test.resolver)
        // Then each set reports its sealer and what it saw, and the A-R names them
        #expect(result.status == .pass)
        #expect(result.sets.map(\.sealerDomain) == ["example.org", "example.org"])
        #expect(result.sets.first?.authenticationResults.hasPrefix("lists.example.org;") == true)
        #expect(result.oldestPass == 0)
        #expect(result.authenticationResult.render() == "arc=pass (i=2 sealers=example.org,example.org) header.oldest-pass=0")
    }

    @Test func modifiedOlderSignatureMovesOldestPass() async throws {
        // Given a chain whose first AMS no longer matches the From field (RFC 8617 §5.2 step 5)
        let test = try #require(ARCValidationSuite.cases.first { $0.name == "cv_pass_i2_1_ams1_invalid" })
        let result = await (try DKIMTestMessage(text: test.message)).validateARC(resolver: test.resolver)
        // Then the chain still passes, and the oldest passing AMS is instance 2
        #expect(result.status == .pass)
        #expect(result.oldestPass == 2)
    }

    @Test func brokenSignatureRendersFailWithItsReason() async throws {
        // Given a one-hop chain whose AMS signature was altered
        let test = try #require(ARCValidationSuite.cases.first { $0.name == "cv_fail_i1_ams_invalid" })
        let result = await (try DKIMTestMessage(text: test.message)).validateARC(resolver: test.resolver)
        // Then the A-R resinfo says fail, names the sealer and carries the reason
        #expect(result.status == .fail)
        #expect(result.oldestPass == nil)
        #expect(result.authenticationResult.render().hasPrefix("arc=fail (i=1 sealers=example.org) reason=\"ARC-Message-Signature i=1: "))
    }

    @Test func keyServerThatDoesNotAnswerFailsTheChain() async throws {
        // Given a sealed message whose key server does not answer
        let test = try #require(ARCValidationSuite.cases.first { $0.name == "cv_pass_i1_1" })
        var resolver = test.resolver
        resolver.fail("dummy._domainkey.example.org", with: .timeout)
        // When it is validated
        let result = await (try DKIMTestMessage(text: test.message)).validateARC(resolver: resolver)
        // Then the chain fails: RFC 8617 §5.2.1, "All errors, including DNS failures, become
        // unrecoverable and are considered permanent."
        #expect(result.status == .fail, "\(result)")
    }

    @Test func instanceAboveFiftyFails() async throws {
        // RFC 8617 §4.2.1: instance values range from 1 to 50.
        let message = try DKIMTestMessage(text: "ARC-Authentication-Results: i=51; example.org; spf=pass\nFrom: a@example.com\n\nbody\n")
        let result = await message.validateARC(resolver: StaticResolver())
        #expect(result.status == .fail)
        #expect(result.reason.contains("i=51"))
    }
}

/// The bounds that keep a hostile chain from costing more than a real one.
struct ARCValidatorLimitTests {
    @Test func moreARCFieldsThanFiftySetsFailWithoutParsing() async throws {
        // Given 151 ARC-Seal fields, more than 50 sets can hold (RFC 8617 §4.2.1)
        var validator = ARCValidator(resolver: StaticResolver())
        for _ in 0..<151 { validator.header(HeaderField(name: "ARC-Seal", value: " i=1; garbage")) }
        validator.endOfHeaders()
        // Then the chain fails on the count
        let result = await validator.finish()
        #expect(result.status == .fail)
        #expect(result.reason.hasPrefix("more than 150 ARC header fields"))
    }

    @Test func chainAfterAnOverlongHeaderBlockFails() async throws {
        // Given a header block larger than the bound, with a seal after the bound is reached
        var validator = ARCValidator(resolver: StaticResolver(), limits: DKIMVerifier.Limits(headerFields: 2))
        for name in ["Received", "Received", "Received"] { validator.header(HeaderField(name: name, value: " x")) }
        validator.header(HeaderField(name: "ARC-Seal", value: " i=1; a=rsa-sha256"))
        // Then the chain cannot be checked, which is fail, not none
        let result = await validator.finish()
        #expect(result.status == .fail)
    }

    @Test func overlongHeaderBlockWithoutARCFieldsIsNone() async throws {
        var validator = ARCValidator(resolver: StaticResolver(), limits: DKIMVerifier.Limits(headerFields: 2))
        for name in ["Received", "Received", "Received"] { validator.header(HeaderField(name: name, value: " x")) }
        #expect(await validator.finish().status == .none)
    }
}
