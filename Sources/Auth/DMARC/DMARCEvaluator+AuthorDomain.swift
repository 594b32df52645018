extension DMARCEvaluator {
    /// RFC 9989 §5.3.2–§5.3.6 for one Author Domain (a normalized name).
    func evaluate(authorDomain: String, input: DMARCInput, lookup: inout DMARCRecordLookup) async -> DMARCOutcome {
        var outcome = DMARCOutcome(result: .none, authorDomain: authorDomain)
        let discovery: DMARCPolicyDiscovery.Discovery
        do throws(DMARCLookupFailure) {
            discovery = try await DMARCPolicyDiscovery.discover(authorDomain: authorDomain, mode: configuration.mode,
                                                                lookup: &lookup)
        } catch {
            // RFC 9989 §5.3.6: the message "cannot be considered to pass or fail".
            outcome.result = error.result
            outcome.reason = "DMARC policy discovery for \(authorDomain) failed: \(error)"
            return outcome
        }
        guard case .found(let found) = discovery else {
            if case .notFound(let why) = discovery { outcome.reason = why }
            return outcome
        }
        let source = "_dmarc.\(found.domain)"
        outcome.record = found.record
        outcome.policyDomain = found.domain
        let effective: DMARCEffectivePolicy
        switch DMARCEffectivePolicy.reading(found.record, mode: configuration.mode) {
        case .unusable(let why):
            outcome.result = .permerror
            outcome.reason = "DMARC record at \(source) is not usable: \(why)"
            return outcome
        case .usable(let usable):
            effective = usable
        }
        outcome.notes += effective.notes
        outcome.isTestMode = testingMode(found.record, notes: &outcome.notes)

        var aligner = DMARCAligner(authorDomain: authorDomain, mode: configuration.mode,
                                   knownOrganizationalDomain: found.organizationalDomain)
        if let spf = input.spf {
            outcome.spf = await aligner.check(.spf(spf.scope), domain: spf.domain, result: spf.result,
                                              mode: found.record.spfAlignment, lookup: &lookup)
        }
        let signatureLimit = configuration.limits.dkimSignatures
        for dkim in input.dkim.prefix(signatureLimit) {
            outcome.dkim.append(await aligner.check(.dkim(selector: dkim.selector), domain: dkim.domain, result: dkim.result,
                                                    mode: found.record.dkimAlignment, lookup: &lookup))
        }
        if input.dkim.count > signatureLimit {
            outcome.notes.append("only the first \(signatureLimit) of \(input.dkim.count) DKIM signatures were considered")
        }
        outcome.organizationalDomain = aligner.organizationalDomain

        let checks = (outcome.spf.map { [$0] } ?? []) + outcome.dkim
        let evidence = checks.isEmpty
            ? "no SPF or DKIM result"
            : checks.map { $0.summary(authorDomain: authorDomain) }.joined(separator: "; ")
        // RFC 9989 §5.3.5: one aligned Authenticated Identifier is enough.
        if checks.contains(where: \.isAlignedPass) {
            outcome.result = .pass
            outcome.reason = "\(evidence); DMARC record at \(source)"
            return outcome
        }
        if let (result, why) = Self.inconclusive(checks) {
            outcome.result = result
            outcome.reason = "\(evidence); \(why)"
            return outcome
        }
        outcome.result = .fail
        let applied: DMARCAppliedPolicy
        let scope: String
        do throws(DMARCLookupFailure) {
            (applied, scope) = try await effective.applied(authorDomain: authorDomain, policyDomain: found.domain,
                                                          lookup: &lookup)
        } catch {
            outcome.result = error.result
            outcome.reason = "\(evidence); cannot tell whether \(authorDomain) exists for np: \(error)"
            return outcome
        }
        outcome.appliedPolicy = applied
        outcome.disposition = disposition(for: applied.policy, record: found.record, outcome: &outcome)
        var reason = "\(evidence); policy \(applied) from \(source)\(scope)"
        if outcome.disposition != applied.policy {
            let cause = outcome.isSampledOut ? "not in the pct=\(found.record.percent ?? 100) sample" : "testing mode"
            reason += "; \(cause), so \(outcome.disposition) instead of \(applied.policy)"
        }
        outcome.reason = reason
        return outcome
    }

    /// Whether the record asks for testing: `t=y` (RFC 9989 §4.7), or in RFC 9989 mode `pct=0`,
    /// which Appendix A.6 makes the same; other `pct` values are ignored there, with a note.
    private func testingMode(_ record: DMARCRecord, notes: inout [String]) -> Bool {
        guard case .rfc9989 = configuration.mode, let percent = record.percent else { return record.isTesting }
        if percent == 0 {
            notes.append("pct=0 treated as t=y (RFC 9989 Appendix A.6)")
            return true
        }
        if percent < 100 { notes.append("pct=\(percent) ignored (RFC 9989 Appendix A.6)") }
        return record.isTesting
    }

    /// The handling asked of the MTA for a failing message: one level below the policy in
    /// testing mode (RFC 9989 §4.7 `t`), or, in RFC 7489 mode, for a message outside the `pct`
    /// sample (RFC 7489 §6.6.4: reject becomes quarantine, quarantine becomes none).
    private func disposition(for policy: DMARCPolicy, record: DMARCRecord, outcome: inout DMARCOutcome) -> DMARCPolicy {
        if outcome.isTestMode { return policy.oneLevelLower }
        guard case .rfc7489 = configuration.mode, let percent = record.percent, percent < 100, policy != .none else {
            return policy
        }
        guard !configuration.sampler.selects(percent: percent) else { return policy }
        outcome.isSampledOut = true
        outcome.notes.append("pct=\(percent): message not sampled, \(policy) lowered (RFC 7489 §6.6.4)")
        return policy.oneLevelLower
    }

    /// Why no aligned pass still does not make a `fail`: a DNS failure while working out
    /// alignment (RFC 9989 §5.3.6), or an aligned identifier whose check failed temporarily, as
    /// "the Receiver ... is unable to conclude that the DMARC mechanism had a permanent failure"
    /// (RFC 7489 §6.6.2). Nil when `fail` is the conclusion.
    static func inconclusive(_ checks: [DMARCIdentifierCheck]) -> (DMARCResult, String)? {
        var permanent: DMARCLookupFailure?
        for check in checks {
            guard case .undetermined(let failure) = check.alignment else { continue }
            if failure.result == .temperror {
                return (.temperror, "DMARC cannot conclude pass or fail (RFC 9989 §5.3.6)")
            }
            permanent = permanent ?? failure
        }
        if checks.contains(where: { $0.result == .temperror && $0.alignment.isAligned }) {
            return (.temperror, "an aligned identifier had a temporary error, so DMARC cannot conclude (RFC 7489 §6.6.2)")
        }
        if permanent != nil {
            return (.permerror, "DMARC cannot conclude pass or fail (RFC 9989 §5.3.6)")
        }
        return nil
    }
}
