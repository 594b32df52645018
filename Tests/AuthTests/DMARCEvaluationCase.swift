import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// One DMARC evaluation written from the RFC text: the DNS data, the message's From fields and
/// SPF/DKIM outcomes, and what the RFC says the outcome is.
struct DMARCEvaluationCase: Sendable, CustomTestStringConvertible {
    enum Mode: Sendable {
        case rfc9989
        /// RFC 7489 with the corpus copy of the Public Suffix List; `draw` feeds pct sampling.
        case rfc7489(draw: Int)
    }

    struct Expected: Sendable {
        var result: DMARCResult
        var disposition: DMARCPolicy = .none
        /// The applied policy, checked always (nil for anything but fail).
        var policy: DMARCAppliedPolicy?
        /// Checked when given.
        var policyDomain: String?
        var organizationalDomain: String?
        var queries: [String]?
        var reasonMentions: [String] = []
        var notesMention: [String] = []
        var problem: DMARCAuthorDomainProblem?
    }

    var name: String
    /// Where the RFC says so.
    var section: String
    var zone: [String]
    var failures: [String: DNSError]
    var from: [String]
    var spf: DMARCInput.SPF?
    var dkim: [DMARCInput.DKIM]
    var mode: Mode
    var handling: DMARCEvaluator.AuthorDomainHandling
    var expected: Expected

    init(_ name: String, _ section: String, zone: [String], failures: [String: DNSError] = [:], from: [String],
         spf: DMARCInput.SPF? = nil, dkim: [DMARCInput.DKIM] = [], mode: Mode = .rfc9989,
         handling: DMARCEvaluator.AuthorDomainHandling = .evaluateEach, expect expected: Expected) {
        self.name = name
        self.section = section
        self.zone = zone
        self.failures = failures
        self.from = from
        self.spf = spf
        self.dkim = dkim
        self.mode = mode
        self.handling = handling
        self.expected = expected
    }

    init(_ name: String, _ section: String, zone: [String], failures: [String: DNSError] = [:], from: String,
         spf: DMARCInput.SPF? = nil, dkim: [DMARCInput.DKIM] = [], mode: Mode = .rfc9989,
         handling: DMARCEvaluator.AuthorDomainHandling = .evaluateEach, expect expected: Expected) {
        self.init(name, section, zone: zone, failures: failures, from: [from], spf: spf, dkim: dkim, mode: mode,
                  handling: handling, expect: expected)
    }

    var testDescription: String { "\(section): \(name)" }

    /// A `_dmarc` TXT record in master-file form.
    static func dmarc(_ domain: String, _ text: String) -> String {
        "_dmarc.\(domain). TXT \"\(text)\""
    }

    /// An address record, so that `domain` exists (RFC 9989 §3.2.13).
    static func host(_ domain: String) -> String {
        "\(domain). A 192.0.2.1"
    }

    static let publicSuffixList = try! PublicSuffixList(
        contentsOfFile: Fixtures.corpus("publicsuffix/public_suffix_list.dat").path)

    func run() async throws -> DMARCOutcome {
        var resolver = try StaticResolver(zone: zone.joined(separator: "\n"))
        for (name, error) in failures { resolver.fail(name, with: error) }
        let configuration: DMARCEvaluator.Configuration
        switch mode {
        case .rfc9989:
            configuration = .init(mode: .rfc9989, authorDomainHandling: handling)
        case .rfc7489(let draw):
            configuration = .init(mode: .rfc7489(Self.publicSuffixList), authorDomainHandling: handling,
                                  sampler: DMARCSampler { draw })
        }
        let evaluator = DMARCEvaluator(resolver: resolver, configuration: configuration)
        return await evaluator.evaluate(DMARCInput(fromFields: from, spf: spf, dkim: dkim))
    }
}

extension DMARCEvaluationCase.Expected {
    init(_ result: DMARCResult, _ disposition: DMARCPolicy = .none, policy: DMARCAppliedPolicy? = nil,
         policyDomain: String? = nil, organizationalDomain: String? = nil, queries: [String]? = nil,
         problem: DMARCAuthorDomainProblem? = nil, reason: [String] = [], notes: [String] = []) {
        self.init(result: result, disposition: disposition, policy: policy, policyDomain: policyDomain,
                  organizationalDomain: organizationalDomain, queries: queries, reasonMentions: reason,
                  notesMention: notes, problem: problem)
    }
}

extension DMARCAppliedPolicy {
    static func p(_ policy: DMARCPolicy) -> Self { .init(tag: .p, policy: policy) }
    static func sp(_ policy: DMARCPolicy) -> Self { .init(tag: .sp, policy: policy) }
    static func np(_ policy: DMARCPolicy) -> Self { .init(tag: .np, policy: policy) }
}

extension DMARCInput.SPF {
    static func pass(_ domain: String) -> Self { .init(result: .pass, domain: domain) }
    static func fail(_ domain: String) -> Self { .init(result: .fail, domain: domain) }
}

extension DMARCInput.DKIM {
    static func pass(_ domain: String) -> Self { .init(result: .pass, domain: domain, selector: "s1") }
    static func fail(_ domain: String) -> Self { .init(result: .fail, domain: domain, selector: "s1") }
}

@Suite("DMARC evaluation cases from the RFC text")
struct DMARCEvaluationCaseTests {
    static let cases = DMARCEvaluationCase.alignmentCases + DMARCEvaluationCase.discoveryCases
        + DMARCEvaluationCase.treeWalkCases + DMARCEvaluationCase.dnsErrorCases + DMARCEvaluationCase.fromFieldCases
        + DMARCEvaluationCase.rfc7489Cases

    @Test("the table holds at least 60 cases, each citing its section")
    func tableSize() {
        #expect(Self.cases.count >= 60)
        #expect(Self.cases.allSatisfy { $0.section.hasPrefix("RFC ") })
        #expect(Set(Self.cases.map(\.testDescription)).count == Self.cases.count)
    }

    @Test("outcome", arguments: cases)
    func outcome(_ testCase: DMARCEvaluationCase) async throws {
        let outcome = try await testCase.run()
        let expected = testCase.expected
        #expect(outcome.result == expected.result, "\(outcome)")
        #expect(outcome.disposition == expected.disposition, "\(outcome)")
        #expect(outcome.appliedPolicy == expected.policy, "\(outcome)")
        if let policyDomain = expected.policyDomain { #expect(outcome.policyDomain == policyDomain) }
        if let organizationalDomain = expected.organizationalDomain {
            #expect(outcome.organizationalDomain == organizationalDomain, "\(outcome)")
        }
        if let queries = expected.queries { #expect(outcome.queries == queries) }
        for word in expected.reasonMentions { #expect(outcome.reason.contains(word), "\(outcome.reason)") }
        for word in expected.notesMention { #expect(outcome.notes.contains { $0.contains(word) }, "\(outcome.notes)") }
        if let problem = expected.problem { #expect(outcome.authorDomainProblem == problem) }
        #expect(!outcome.reason.isEmpty)
    }
}
