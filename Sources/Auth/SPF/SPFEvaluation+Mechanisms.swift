import DNS

extension SPFEvaluation {
    /// RFC 7208 §4.6.2, §5: whether `directive` matches. nil is no match; a match returns the
    /// matches inside an include (empty for every other mechanism).
    mutating func matches(_ directive: SPFDirective, domain: String) async throws(Abort) -> [SPFOutcome.Match]? {
        if directive.mechanism.queriesDNS { try countDNSTerm(directive.text) }
        switch directive.mechanism {
        case .all:
            return []
        case .ip4(let network, let prefixLength), .ip6(let network, let prefixLength):
            // RFC 7208 §5: an IPv4 client (mapped or not) never matches ip6, nor IPv6 ip4.
            return clientIP.isInNetwork(network, prefixLength: prefixLength) ? [] : nil
        case .include(let spec):
            return try await include(spec, domain: domain)
        case .a(let spec, let lengths):
            let target = await targetName(spec, domain: domain)
            guard SPFDomainName.isQueryable(target) else { return nil }
            let addresses = try await addresses(of: target, countingVoid: true)
            return matchesAny(addresses, prefixLength: lengths.prefixLength(for: clientIP)) ? [] : nil
        case .mx(let spec, let lengths):
            let target = await targetName(spec, domain: domain)
            guard SPFDomainName.isQueryable(target) else { return nil }
            return try await mx(target, prefixLength: lengths.prefixLength(for: clientIP)) ? [] : nil
        case .ptr(let spec):
            let target = await targetName(spec, domain: domain)
            let validated = await validatedNames()
            if validated.ptrLookupWasVoid { try countVoid("PTR \(clientIP.reverseName)") }
            // RFC 7208 §5.5: a validated name equal to the target or below it matches.
            return validated.names.contains { SPFDomainName.isWithin($0, domain: target) } ? [] : nil
        case .exists(let spec):
            let target = await targetName(spec, domain: domain)
            guard SPFDomainName.isQueryable(target) else { return nil }
            // RFC 7208 §5.7: an A query whatever the client's address family.
            let lookup = await SPFLookup { () async throws(DNSError) in try await resolver.a(target) }
            if lookup.isVoid { try countVoid("A \(target)") }
            return try lookup.recordsOrTemperror("A \(target)").isEmpty ? nil : []
        }
    }

    /// RFC 7208 §5.2: a pass of the included record matches; fail, softfail and neutral do not;
    /// none is permerror; temperror and permerror have already ended the evaluation.
    private mutating func include(_ spec: SPFMacroString, domain: String) async throws(Abort) -> [SPFOutcome.Match]? {
        let target = await targetName(spec, domain: domain)
        let included = try await checkHost(target)
        if included.result == .none {
            throw Abort(.permerror, "include:\(spec) found no SPF record: \(included.reason ?? target) (RFC 7208 §5.2)")
        }
        return included.result == .pass ? included.matches : nil
    }

    /// RFC 7208 §5.4: the addresses of each MX host, at most `limits.mxNames` of them.
    private mutating func mx(_ target: String, prefixLength: Int) async throws(Abort) -> Bool {
        let lookup = await SPFLookup { () async throws(DNSError) in try await resolver.mx(target) }
        if lookup.isVoid { try countVoid("MX \(target)") }
        let exchangers = try lookup.recordsOrTemperror("MX \(target)").sorted { $0.preference < $1.preference }
        for (index, exchanger) in exchangers.enumerated() {
            // RFC 7208 §4.6.4: looking up an 11th MX name is permerror; a match among the first
            // ten settles the mechanism before that.
            guard index < limits.mxNames else {
                throw Abort(
                    .permerror,
                    "MX \(target) has \(exchangers.count) names, over the limit of \(limits.mxNames) (RFC 7208 §4.6.4)")
            }
            // RFC 7505: a null MX names no host. RFC 7208 §5.4: no implicit MX either.
            guard SPFDomainName.isQueryable(exchanger.exchange) else { continue }
            let addresses = try await addresses(of: exchanger.exchange, countingVoid: false)
            if matchesAny(addresses, prefixLength: prefixLength) { return true }
        }
        return false
    }

    /// RFC 7208 §5: A records for an IPv4 client, AAAA for IPv6.
    private mutating func addresses(of name: String, countingVoid: Bool) async throws(Abort) -> [IPAddress] {
        let lookup = await addressLookup(name)
        if countingVoid && lookup.isVoid { try countVoid("\(clientIP.isIPv4 ? "A" : "AAAA") \(name)") }
        return try lookup.recordsOrTemperror("\(clientIP.isIPv4 ? "A" : "AAAA") \(name)")
    }

    private func addressLookup(_ name: String) async -> SPFLookup<IPAddress> {
        let (resolver, isIPv4) = (self.resolver, clientIP.isIPv4)
        return await SPFLookup { () async throws(DNSError) in
            isIPv4 ? try await resolver.a(name) : try await resolver.aaaa(name)
        }
    }

    private func matchesAny(_ addresses: [IPAddress], prefixLength: Int) -> Bool {
        addresses.contains { clientIP.isInNetwork($0, prefixLength: prefixLength) }
    }

    /// RFC 7208 §5.5: the client's PTR names (the first `limits.ptrNames`) whose addresses
    /// include the client. DNS errors only drop names. Computed once per evaluation.
    mutating func validatedNames() async -> ValidatedNames {
        if let cached = validatedNamesCache { return cached }
        let (resolver, client) = (self.resolver, clientIP)
        let lookup = await SPFLookup { () async throws(DNSError) in try await resolver.ptr(client) }
        var names: [String] = []
        for name in lookup.recordsIgnoringErrors.prefix(limits.ptrNames) {
            let name = SPFDomainName.withoutFinalDot(name)
            guard SPFDomainName.isQueryable(name) else { continue }
            if await addressLookup(name).recordsIgnoringErrors.contains(client) { names.append(name) }
        }
        let validated = ValidatedNames(names: names, ptrLookupWasVoid: lookup.isVoid)
        validatedNamesCache = validated
        return validated
    }

    /// RFC 7208 §7.3 `%{p}`: the validated name equal to <domain>, else one below it, else any;
    /// nil ("unknown") when there is none.
    mutating func validatedName(for domain: String) async -> String? {
        let names = await validatedNames().names
        return names.first { $0.lowercased() == SPFDomainName.withoutFinalDot(domain).lowercased() }
            ?? names.first { SPFDomainName.isWithin($0, domain: domain) }
            ?? names.first
    }

    /// RFC 7208 §4.6.4: at most `limits.dnsTerms` DNS-querying terms in the whole evaluation.
    mutating func countDNSTerm(_ term: String) throws(Abort) {
        dnsTerms += 1
        guard dnsTerms <= limits.dnsTerms else {
            throw Abort(.permerror, "more than \(limits.dnsTerms) DNS-querying terms, at \(term) (RFC 7208 §4.6.4)")
        }
    }

    /// RFC 7208 §4.6.4: at most `limits.voidLookups` terms whose query found nothing.
    mutating func countVoid(_ query: String) throws(Abort) {
        voidLookups += 1
        guard voidLookups <= limits.voidLookups else {
            throw Abort(.permerror, "more than \(limits.voidLookups) void lookups, at \(query) (RFC 7208 §4.6.4)")
        }
    }
}
