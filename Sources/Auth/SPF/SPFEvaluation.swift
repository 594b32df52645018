import DNS

/// One run of check_host() (RFC 7208 §4) for one identity, with the state that spans all its
/// includes and redirects: the lookup counters of §4.6.4 and the client's validated names.
///
/// RFC 7208 describes permerror and temperror inside the evaluation as exceptions that end all
/// of it at once (§4.6.2, §5); they are thrown here as ``Abort`` and become the outcome in
/// ``run(_:)``, so no caller ever sees a throw.
struct SPFEvaluation {
    /// An exception result that ends the whole evaluation.
    struct Abort: Error {
        var result: SPFResult
        var reason: String

        init(_ result: SPFResult, _ reason: String) {
            self.result = result
            self.reason = reason
        }
    }

    /// What one check_host() call found, before the explanation is fetched.
    struct HostResult {
        var result: SPFResult
        var matches: [SPFOutcome.Match] = []
        /// For a fail from a mechanism: the `exp=` of that record and the <domain> it is
        /// expanded for (RFC 7208 §6.2).
        var explanation: (spec: SPFMacroString, domain: String)?
        var reason: String?
    }

    /// The names the client's address maps back to that map forward to it again (RFC 7208 §5.5).
    struct ValidatedNames {
        var names: [String]
        var ptrLookupWasVoid: Bool
    }

    let resolver: any DNSResolver
    let limits: SPFEvaluator.Limits
    let expander: SPFMacroExpander
    var dnsTerms = 0
    var voidLookups = 0
    var validatedNamesCache: ValidatedNames?

    var clientIP: IPAddress { expander.clientIP }

    init(resolver: any DNSResolver, limits: SPFEvaluator.Limits, expander: SPFMacroExpander) {
        self.resolver = resolver
        self.limits = limits
        self.expander = expander
    }

    /// Evaluates `outcome.domain` and fills in the result, how it came about, and for a fail the
    /// explanation.
    mutating func run(_ outcome: SPFOutcome) async -> SPFOutcome {
        var outcome = outcome
        do {
            let host = try await checkHost(outcome.domain)
            outcome.result = host.result
            outcome.matches = host.matches
            outcome.reason = host.reason
            if host.result == .fail, let source = host.explanation {
                outcome.explanation = await explanation(source.spec, domain: source.domain)
            }
        } catch {
            outcome.result = error.result
            outcome.reason = error.reason
        }
        return outcome
    }

    /// check_host(<ip>, `domain`, <sender>) of RFC 7208 §4.
    mutating func checkHost(_ domain: String) async throws(Abort) -> HostResult {
        // RFC 7208 §4.3: a malformed or single-label <domain> is "none".
        guard SPFDomainName.isCheckable(domain) else {
            return HostResult(
                result: .none,
                reason: "\"\(SPFRecord.printable(domain))\" is not a multi-label domain name in A-label form (RFC 7208 §4.3)")
        }
        let record: SPFRecord
        switch try await fetchRecord(domain) {
        case .found(let found): record = found
        case .none(let why): return HostResult(result: .none, reason: why)
        }

        // RFC 7208 §4.6.2: mechanisms left to right; the first that matches gives its qualifier.
        for directive in record.directives {
            guard let inner = try await matches(directive, domain: domain) else { continue }
            var result = HostResult(
                result: directive.qualifier.result,
                matches: [SPFOutcome.Match(domain: domain, directive: directive.text)] + inner)
            if directive.qualifier == .fail, let explanation = record.explanation {
                result.explanation = (explanation, domain)
            }
            return result
        }

        // RFC 7208 §6.1: redirect applies when nothing matched; §5.1 ignores it beside "all",
        // which always matches, so a record with "all" never gets here.
        if let redirect = record.redirect {
            try countDNSTerm("redirect=\(redirect)")
            let target = await targetName(redirect, domain: domain)
            // RFC 7208 §6.2: the redirected record's exp= replaces this one's.
            let redirected = try await checkHost(target)
            if redirected.result == .none {
                throw Abort(
                    .permerror,
                    "redirect=\(redirect) found no SPF record: \(redirected.reason ?? target) (RFC 7208 §6.1)")
            }
            return redirected
        }
        // RFC 7208 §4.7.
        return HostResult(result: .neutral, reason: "no mechanism matched in \(domain) (default result, RFC 7208 §4.7)")
    }

    private enum RecordLookup {
        case found(SPFRecord)
        case none(String)
    }

    /// RFC 7208 §4.4, §4.5: the TXT records at `domain`, of which exactly one may be "v=spf1".
    private func fetchRecord(_ domain: String) async throws(Abort) -> RecordLookup {
        let lookup = await SPFLookup { () async throws(DNSError) in try await resolver.txt(domain) }
        if case .void(let why) = lookup {
            return .none("no SPF record at \(domain): \(why) (RFC 7208 §4.3, §4.5)")
        }
        let spf = try lookup.recordsOrTemperror("TXT \(domain)")
            .map(\.bytes)
            .filter { SPFRecord.isSPFRecord($0) }
        guard let bytes = spf.first else {
            return .none("no \"v=spf1\" TXT record at \(domain) (RFC 7208 §4.5)")
        }
        guard spf.count == 1 else {
            throw Abort(.permerror, "\(spf.count) SPF records at \(domain) (RFC 7208 §3.2, §4.5)")
        }
        guard bytes.count <= limits.recordLength else {
            throw Abort(.permerror, "SPF record at \(domain) has \(bytes.count) bytes, over the limit of \(limits.recordLength)")
        }
        do {
            return .found(try SPFRecord(parsing: String(decoding: bytes, as: UTF8.self)))
        } catch {
            throw Abort(.permerror, "SPF record at \(domain): \(error) (RFC 7208 §4.6)")
        }
    }

    /// RFC 7208 §6.2: the explanation for a fail. Any problem (no target, DNS trouble, not
    /// exactly one record, bad syntax, non-ASCII) means no explanation, never another result.
    /// The lookup does not count against the limits of §4.6.4.
    mutating func explanation(_ spec: SPFMacroString, domain: String) async -> String? {
        let target = await targetName(spec, domain: domain)
        guard SPFDomainName.isQueryable(target) else { return nil }
        let records = await SPFLookup { () async throws(DNSError) in try await resolver.txt(target) }.recordsIgnoringErrors
        guard records.count == 1 else { return nil }
        let bytes = records[0].bytes
        guard bytes.count <= limits.recordLength, bytes.allSatisfy({ (0x20...0x7E).contains($0) }),
              let text = try? SPFMacroString(String(decoding: bytes, as: UTF8.self), context: .explanation)
        else { return nil }
        let validatedName = text.usesValidatedName ? await validatedName(for: domain) : nil
        let expanded = expander.expand(text, domain: domain, validatedName: validatedName)
        // RFC 7208 §6.2: printable US-ASCII only. Macro values such as %{l} or %{h} come from
        // the client and may carry UTF-8 (RFC 6531) or control characters, so escape those.
        var printable = ""
        for scalar in expanded.unicodeScalars {
            if (0x20...0x7E).contains(scalar.value) {
                printable.unicodeScalars.append(scalar)
            } else {
                printable += SPFMacroExpander.urlEscaped(String(scalar))
            }
        }
        return String(printable.prefix(limits.explanationLength))
    }

    /// The <target-name> of a domain-spec; none given means the current <domain> (RFC 7208 §4.8).
    mutating func targetName(_ spec: SPFMacroString?, domain: String) async -> String {
        guard let spec else { return domain }
        let validatedName = spec.usesValidatedName ? await validatedName(for: domain) : nil
        return expander.targetName(spec, domain: domain, validatedName: validatedName)
    }
}
