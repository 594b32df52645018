import DNS
import Foundation

/// Checks whether an SMTP client may use a MAIL FROM or HELO identity (SPF, RFC 7208).
///
/// A check never throws: DNS trouble is temperror, bad records are permerror, and a check that
/// runs past ``Limits/deadline`` is temperror, each with its reason in the ``SPFOutcome``.
public struct SPFEvaluator: Sendable {
    /// Answers every DNS query of a check; DNS errors become temperror or "no records" in one
    /// place.
    public var resolver: any DNSResolver
    /// The bounds every check works within.
    public var limits: Limits
    /// The name of this host, for `%{r}` in explanations (RFC 7208 §7.3).
    public var receivingHost: String
    /// Seconds since the epoch, for `%{t}` in explanations (RFC 7208 §7.3).
    public var now: @Sendable () -> Int64
    /// Where a check runs; nil for the global executor (``Deadline``).
    public var executor: (any TaskExecutor)?

    /// An evaluator that asks `resolver`.
    /// - Parameters:
    ///   - resolver: answers every DNS query of the check.
    ///   - limits: the bounds of RFC 7208 §4.6.4 and the deadline.
    ///   - receivingHost: this host's name; "unknown" when it has none (RFC 7208 §7.3).
    ///   - now: the wall clock in seconds since the epoch.
    ///   - executor: where a check runs; nil for the global executor.
    public init(
        resolver: any DNSResolver,
        limits: Limits = Limits(),
        receivingHost: String = "unknown",
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        executor: (any TaskExecutor)? = nil
    ) {
        self.resolver = resolver
        self.limits = limits
        self.receivingHost = receivingHost
        self.now = now
        self.executor = executor
    }

    /// Checks the MAIL FROM identity (RFC 7208 §2.4).
    /// - Parameters:
    ///   - reversePath: the MAIL FROM address, with or without angle brackets; empty (or `<>`)
    ///     for the null reverse-path, which is checked as `postmaster@` the HELO name.
    ///   - helo: the HELO/EHLO argument as the client sent it (`%{h}`).
    ///   - clientIP: the SMTP client's address.
    public func checkMailFrom(_ reversePath: String, helo: String, clientIP: IPAddress) async -> SPFOutcome {
        var address = Substring(reversePath)
        if address.utf8.count >= 2 && address.utf8.first == UInt8(ascii: "<") && address.utf8.last == UInt8(ascii: ">") {
            address = address.dropFirst().dropLast()
        }
        guard !address.isEmpty else {
            return await check(.mailFrom, sender: "postmaster@\(helo)", domain: helo, helo: helo, clientIP: clientIP)
        }
        // RFC 7208 §4.1: <domain> is the part after the (last) "@"; an address without one is
        // all domain and gets "postmaster" as its local-part (RFC 7208 §4.3).
        let domain = address.lastIndex(of: "@").map { address[address.index(after: $0)...] } ?? address
        return await check(.mailFrom, sender: String(address), domain: String(domain), helo: helo, clientIP: clientIP)
    }

    /// Checks the HELO identity (RFC 7208 §2.3): <sender> is `postmaster@` the HELO name, and a
    /// name that is not a multi-label domain (an address literal, a bare word) gives none.
    public func checkHELO(_ helo: String, clientIP: IPAddress) async -> SPFOutcome {
        await check(.helo, sender: "postmaster@\(helo)", domain: helo, helo: helo, clientIP: clientIP)
    }

    private func check(
        _ identity: SPFIdentity, sender: String, domain: String, helo: String, clientIP: IPAddress
    ) async -> SPFOutcome {
        await evaluate(identity, sender: sender, domain: domain, helo: helo, clientIP: clientIP).outcome
    }

    /// One evaluation, with the counters of RFC 7208 §4.6.4 it ended with.
    func evaluate(
        _ identity: SPFIdentity, sender: String, domain: String, helo: String, clientIP: IPAddress
    ) async -> LookupCensus {
        let expander = SPFMacroExpander(
            sender: sender, clientIP: clientIP, helo: helo, receivingHost: receivingHost, timestamp: now())
        let start = SPFOutcome(
            result: .none, identity: identity, domain: SPFDomainName.withoutFinalDot(domain),
            sender: expander.sender, clientIP: expander.clientIP)
        let (resolver, limits) = (self.resolver, self.limits)
        return await Deadline.run(within: limits.deadline, executor: executor) {
            var evaluation = SPFEvaluation(resolver: resolver, limits: limits, expander: expander)
            let outcome = await evaluation.run(start)
            return LookupCensus(outcome: outcome, dnsTerms: evaluation.dnsTerms, voidLookups: evaluation.voidLookups)
        } onTimeout: {
            var outcome = start
            outcome.result = .temperror
            outcome.reason = "no result within the \(limits.deadline) deadline (RFC 7208 §4.6.4)"
            return LookupCensus(outcome: outcome, dnsTerms: 0, voidLookups: 0)
        }
    }
}
