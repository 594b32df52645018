import Auth
import DNS
import Testing

@Suite("DMARC evaluator API")
struct DMARCEvaluatorTests {
    static let resolver = try! StaticResolver(zone: """
        _dmarc.example.com. TXT "v=DMARC1; p=reject"
        _dmarc.example.org. TXT "v=DMARC1; p=quarantine"
        """)

    @Test("the reason names each identifier, its alignment and the policy")
    func reasonSentence() async {
        let outcome = await DMARCEvaluator(resolver: Self.resolver).evaluate(DMARCInput(
            fromFields: ["Jane <jane@example.com>"], spf: .pass("bounces.example.org"), dkim: [.pass("lists.example.org")]))
        #expect(outcome.reason == "SPF passed for bounces.example.org, not aligned; "
            + "DKIM signature by lists.example.org is valid but not aligned with the From domain example.com; "
            + "policy p=reject from _dmarc.example.com")
        #expect(outcome.description.hasPrefix("fail (p=reject, disposition reject) header.from=example.com: "))
        #expect(!outcome.spfAligned && !outcome.dkimAligned)
    }

    @Test("aligned passes are summarized for aggregate reports")
    func alignedSummaries() async {
        let outcome = await DMARCEvaluator(resolver: Self.resolver).evaluate(DMARCInput(
            fromFields: ["jane@example.com"], spf: .fail("example.com"), dkim: [.pass("example.com")]))
        #expect(outcome.result == .pass)
        #expect(!outcome.spfAligned && outcome.dkimAligned)
        #expect(outcome.spf?.alignment == .notChecked)
        #expect(outcome.dkim.first?.alignment == .strict)
        #expect(outcome.dkim.first?.mechanism == .dkim(selector: "s1"))
    }

    @Test("a message needing more DNS queries than allowed is a permerror")
    func queryLimit() async {
        let evaluator = DMARCEvaluator(resolver: StaticResolver(),
                                       configuration: .init(limits: .init(dnsQueries: 2)))
        let outcome = await evaluator.evaluate(DMARCInput(fromFields: ["a@a.b.example.com"]))
        #expect(outcome.result == .permerror)
        #expect(outcome.queries.count == 2)
        #expect(outcome.reason.contains("more than 2 DNS queries"))
    }

    @Test("DKIM signatures beyond the limit are left out, and the outcome says so")
    func signatureLimit() async {
        let evaluator = DMARCEvaluator(resolver: Self.resolver, configuration: .init(limits: .init(dkimSignatures: 2)))
        let outcome = await evaluator.evaluate(DMARCInput(
            fromFields: ["a@example.com"], dkim: [.fail("example.com"), .fail("example.com"), .pass("example.com")]))
        #expect(outcome.result == .fail)
        #expect(outcome.dkim.count == 2)
        #expect(outcome.notes.contains("only the first 2 of 3 DKIM signatures were considered"))
    }

    @Test("a From field longer than the limit is not read")
    func fromFieldLimit() async {
        let evaluator = DMARCEvaluator(resolver: Self.resolver, configuration: .init(limits: .init(fromFieldBytes: 32)))
        let outcome = await evaluator.evaluate(DMARCInput(fromFields: ["A very long display name indeed <a@example.com>"]))
        #expect(outcome.result == .permerror)
        #expect(outcome.authorDomainProblem == .unreadableFrom("longer than 32 bytes"))
    }

    @Test("each Author Domain's outcome is kept when several are evaluated")
    func perDomainOutcomes() async {
        let outcome = await DMARCEvaluator(resolver: Self.resolver).evaluate(DMARCInput(
            fromFields: ["a@example.com, b@example.org"]))
        #expect(outcome.authorDomainOutcomes.map(\.authorDomain) == ["example.com", "example.org"])
        #expect(outcome.authorDomainOutcomes.map(\.disposition) == [.reject, .quarantine])
        #expect(outcome.disposition == .reject)
    }

    @Test("pct sampling uses the draw modulo 100, negative draws included (RFC 7489 §6.3)")
    func samplerDraws() async throws {
        let list = try PublicSuffixList(text: "com\n")
        let resolver = try StaticResolver(zone: "_dmarc.example.com. TXT \"v=DMARC1; p=reject; pct=10\"")
        for (draw, disposition) in [(5, DMARCPolicy.reject), (105, .reject), (-95, .reject), (10, .quarantine), (-1, .quarantine)] {
            let evaluator = DMARCEvaluator(resolver: resolver, configuration: .init(
                mode: .rfc7489(list), sampler: DMARCSampler { draw }))
            let outcome = await evaluator.evaluate(DMARCInput(fromFields: ["a@example.com"]))
            #expect(outcome.disposition == disposition, "draw \(draw)")
        }
    }
}
