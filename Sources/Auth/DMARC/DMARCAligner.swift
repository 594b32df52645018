/// Identifier Alignment of SPF and DKIM identifiers with one Author Domain (RFC 9989 §4.4,
/// §4.10.2), doing only the Tree Walks that can change the answer.
struct DMARCAligner {
    let authorDomain: String
    let mode: DMARCEvaluator.Mode
    private var authorOrganization: Result<String, DMARCLookupFailure>?

    init(authorDomain: String, mode: DMARCEvaluator.Mode, knownOrganizationalDomain: String?) {
        self.authorDomain = authorDomain
        self.mode = mode
        authorOrganization = knownOrganizationalDomain.map { .success($0) }
    }

    /// The Author Domain's Organizational Domain if it has been determined.
    var organizationalDomain: String? { try? authorOrganization?.get() }

    /// Checks one identifier. Alignment is only worked out for a pass, which it can turn into a
    /// DMARC pass, and for a temperror, which then keeps DMARC from concluding `fail`.
    mutating func check(_ mechanism: DMARCIdentifierCheck.Mechanism, domain rawDomain: String, result: DMARCAuthResult,
                        mode alignmentMode: DMARCRecord.AlignmentMode,
                        lookup: inout DMARCRecordLookup) async -> DMARCIdentifierCheck {
        guard let domain = DMARCDomainName.normalized(rawDomain) else {
            return DMARCIdentifierCheck(mechanism: mechanism, domain: rawDomain, result: result, mode: alignmentMode,
                                        alignment: .invalidDomain)
        }
        var check = DMARCIdentifierCheck(mechanism: mechanism, domain: domain, result: result, mode: alignmentMode,
                                         alignment: .notChecked)
        guard result == .pass || result == .temperror else { return check }
        do throws(DMARCLookupFailure) {
            check.alignment = try await alignment(of: domain, mode: alignmentMode, lookup: &lookup)
        } catch {
            check.alignment = .undetermined(error)
        }
        return check
    }

    private mutating func alignment(of domain: String, mode alignmentMode: DMARCRecord.AlignmentMode,
                                    lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure)
        -> DMARCIdentifierCheck.Alignment {
        // RFC 9989 §3.2.10.2 and §4.4: identical, compared without regard to case (both sides are
        // normalized to lower-case A-labels); §4.10.2: no Tree Walk is needed for this.
        if domain == authorDomain { return .strict }
        guard alignmentMode == .relaxed else { return .notAligned(organizationalDomain: nil) }
        let organization = try await authorOrganizationalDomain(lookup: &lookup)
        // An Organizational Domain is always the name itself or one of its parents, so an
        // identifier outside the Author's Organizational Domain cannot share it; no walk needed.
        guard DMARCDomainName.isName(domain, within: organization) else { return .notAligned(organizationalDomain: nil) }
        let identifierOrganization = try await mode.organizationalDomain(of: domain, lookup: &lookup)
        // RFC 9989 §3.2.10.1: relaxed alignment is the same Organizational Domain.
        return identifierOrganization == organization
            ? .relaxed(organizationalDomain: organization)
            : .notAligned(organizationalDomain: identifierOrganization)
    }

    private mutating func authorOrganizationalDomain(lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure)
        -> String {
        if let authorOrganization { return try authorOrganization.get() }
        let result: Result<String, DMARCLookupFailure>
        do throws(DMARCLookupFailure) {
            result = .success(try await mode.organizationalDomain(of: authorDomain, lookup: &lookup))
        } catch {
            result = .failure(error)
        }
        authorOrganization = result
        return try result.get()
    }
}

extension DMARCEvaluator.Mode {
    /// The Organizational Domain of a normalized `domain`: by Tree Walk (RFC 9989 §4.10.2) or
    /// from the Public Suffix List (RFC 7489 §3.2).
    func organizationalDomain(of domain: String,
                              lookup: inout DMARCRecordLookup) async throws(DMARCLookupFailure) -> String {
        switch self {
        case .rfc9989:
            let findings = try await DMARCTreeWalk.walk(from: domain, lookup: &lookup)
            return DMARCTreeWalk.organizationalDomain(of: domain, findings: findings)
        case .rfc7489(let publicSuffixList):
            return publicSuffixList.organizationalDomain(of: domain)
        }
    }
}
