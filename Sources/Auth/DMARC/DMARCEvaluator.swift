import DNS

/// Evaluates DMARC for one message (RFC 9989 §5.3): Author Domain, policy discovery, Identifier
/// Alignment of the SPF and DKIM outcomes it is given, result and disposition.
///
/// ```swift
/// let evaluator = DMARCEvaluator(resolver: resolver)
/// let outcome = await evaluator.evaluate(DMARCInput(
///     fromFields: ["Jane <jane@news.example.com>"],
///     spf: .init(result: .pass, domain: "bounces.example.org"),
///     dkim: [.init(result: .pass, domain: "example.com", selector: "s1")]))
/// // outcome.result == .pass, outcome.disposition == .none
/// ```
public struct DMARCEvaluator: Sendable {
    /// Which DMARC specification decides the Organizational Domain and `pct`.
    public enum Mode: Sendable {
        /// RFC 9989: DNS Tree Walk (§4.10), `psd`, `np`, `t`; `pct=0` acts as `t=y` and other
        /// `pct` values are ignored (Appendix A.6).
        case rfc9989
        /// RFC 7489: Organizational Domains from the Public Suffix List (§3.2), policy at the
        /// Author Domain or its Organizational Domain only (§6.6.3), `pct` sampling (§6.6.4).
        /// The later registry tags `np` and `t` are still honoured.
        case rfc7489(PublicSuffixList)
    }

    /// What to do with a message whose From fields do not give exactly one Author Domain
    /// (RFC 9989 §5.3.1, §11.5; RFC 7489 §6.6.1).
    public enum AuthorDomainHandling: Sendable, Hashable {
        /// Result `permerror` with disposition `reject`, as RFC 7489 §6.6.1 says such messages
        /// "are typically rejected".
        case reject
        /// Evaluate every Author Domain found (up to ``Limits/authorDomains``) and keep the
        /// strictest outcome, "the most strict policy selected among the checks that fail"
        /// (RFC 9989 §11.5). With no domain at all the result is `permerror`, disposition `none`.
        case evaluateEach
        /// Result `permerror` with disposition `none`: DMARC validation "is not possible and the
        /// process terminates" (RFC 9989 §5.3.1), the decision is left to other checks.
        case skip
    }

    /// How the evaluator behaves.
    public struct Configuration: Sendable {
        /// RFC 9989 or RFC 7489 behaviour.
        public var mode: Mode
        /// What to do when the From fields do not give exactly one Author Domain.
        public var authorDomainHandling: AuthorDomainHandling
        /// Bounds on the work one message can cause.
        public var limits: Limits
        /// The random source for RFC 7489 `pct` sampling.
        public var sampler: DMARCSampler

        /// A configuration; the defaults are RFC 9989 and evaluating each Author Domain.
        public init(mode: Mode = .rfc9989, authorDomainHandling: AuthorDomainHandling = .evaluateEach,
                    limits: Limits = Limits(), sampler: DMARCSampler = .system) {
            self.mode = mode
            self.authorDomainHandling = authorDomainHandling
            self.limits = limits
            self.sampler = sampler
        }
    }

    let resolver: any DNSResolver
    let configuration: Configuration

    /// An evaluator that asks `resolver` for `_dmarc` records and domain existence.
    public init(resolver: any DNSResolver, configuration: Configuration = Configuration()) {
        self.resolver = resolver
        self.configuration = configuration
    }

    /// Evaluates DMARC for a message. Never throws: DNS failures become `temperror` or
    /// `permerror` outcomes, and a failed check is a `fail` outcome.
    public func evaluate(_ input: DMARCInput) async -> DMARCOutcome {
        var lookup = DMARCRecordLookup(resolver: resolver, limit: configuration.limits.dnsQueries)
        let authors = DMARCAuthorDomains(fromFields: input.fromFields, maximumFieldBytes: configuration.limits.fromFieldBytes)
        var outcome: DMARCOutcome
        if authors.problem == nil, let authorDomain = authors.domains.first {
            outcome = await evaluate(authorDomain: authorDomain, input: input, lookup: &lookup)
        } else {
            outcome = await evaluateUnusualFrom(authors, input: input, lookup: &lookup)
        }
        outcome.queries = lookup.queries
        return outcome
    }

    /// RFC 9989 §5.3.1: zero or several Author Domains, handled as configured.
    private func evaluateUnusualFrom(_ authors: DMARCAuthorDomains, input: DMARCInput,
                                     lookup: inout DMARCRecordLookup) async -> DMARCOutcome {
        let problem = authors.problem ?? .noAddress
        var outcome = DMARCOutcome(result: .permerror)
        outcome.authorDomainProblem = problem
        switch configuration.authorDomainHandling {
        case .reject:
            outcome.disposition = .reject
            outcome.reason = "\(problem); rejected as configured (RFC 9989 §5.3.1)"
            return outcome
        case .skip:
            outcome.reason = "\(problem); DMARC not applied (RFC 9989 §5.3.1)"
            return outcome
        case .evaluateEach:
            guard !authors.domains.isEmpty else {
                outcome.reason = "\(problem); no Author Domain to evaluate (RFC 9989 §5.3.1)"
                return outcome
            }
        }
        let limit = configuration.limits.authorDomains
        var outcomes: [DMARCOutcome] = []
        for authorDomain in authors.domains.prefix(limit) {
            outcomes.append(await evaluate(authorDomain: authorDomain, input: input, lookup: &lookup))
        }
        let incomplete: DMARCAuthorDomainProblem? = authors.domains.count > limit
            ? .tooManyDomains(authors.domains.count)
            : (authors.isComplete ? nil : problem)
        return Self.strictest(outcomes, problem: problem, incomplete: incomplete)
    }

    /// RFC 9989 §11.5: of several Author Domains' outcomes, the strictest failing one; with no
    /// failure, a DNS error, then an incomplete evaluation (permerror), then pass, then none.
    static func strictest(_ outcomes: [DMARCOutcome], problem: DMARCAuthorDomainProblem,
                          incomplete: DMARCAuthorDomainProblem?) -> DMARCOutcome {
        let failures = outcomes.filter { $0.result == .fail }
        var chosen: DMARCOutcome
        if let strictest = failures.max(by: { $0.disposition < $1.disposition }) {
            chosen = strictest
        } else if let error = outcomes.first(where: { $0.result == .temperror })
                    ?? outcomes.first(where: { $0.result == .permerror }) {
            chosen = error
        } else if incomplete != nil {
            chosen = DMARCOutcome(result: .permerror)
        } else {
            chosen = outcomes.first { $0.result == .pass } ?? outcomes.first ?? DMARCOutcome(result: .none)
        }
        let each = outcomes.map { "\($0.authorDomain ?? "?"): \($0.result) (\($0.reason))" }
        let gap = incomplete.map { " | DMARC evaluation is incomplete: \($0) (RFC 9989 §11.5)" } ?? ""
        chosen.reason = "\(problem); each evaluated, \(chosen.result) is kept. " + each.joined(separator: " | ") + gap
        chosen.authorDomainProblem = problem
        chosen.authorDomainOutcomes = outcomes
        return chosen
    }
}
