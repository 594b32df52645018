/// A DKIM-Signature header field, parsed and checked as RFC 6376 §3.5 and §6.1.1 require.
struct DKIMSignature: Sendable, Hashable {
    /// The signing algorithms this verifier accepts (RFC 8301 §3.1, RFC 8463 §3).
    enum Algorithm: String, Sendable, Hashable {
        case rsaSHA256 = "rsa-sha256"
        case ed25519SHA256 = "ed25519-sha256"

        /// The `k=` key type this algorithm needs (RFC 6376 §3.6.1, RFC 8463 §4.2).
        var keyType: DKIMKeyRecord.KeyType {
            switch self {
            case .rsaSHA256: .rsa
            case .ed25519SHA256: .ed25519
            }
        }
    }

    /// The tags as parsed, for the header hash and for reporting.
    var tags: DKIMTagList
    /// `a=`
    var algorithm: Algorithm
    /// `b=`, decoded.
    var signature: [UInt8]
    /// `bh=`, decoded.
    var bodyHash: [UInt8]
    /// `c=` header part (default simple).
    var headerCanonicalization: DKIMCanonicalization
    /// `c=` body part (default simple).
    var bodyCanonicalization: DKIMCanonicalization
    /// `d=`, the SDID.
    var domain: String
    /// `h=`, lower-cased for matching (RFC 6376 §3.5: compared case-insensitively).
    var signedFields: [String]
    /// `i=` decoded, or nil when absent (then it is `@` + `d=`, RFC 6376 §3.5).
    var identity: String?
    /// `l=`; values beyond `Int.max` are held as `Int.max`.
    var bodyLength: Int?
    /// `s=`
    var selector: String
    /// `t=`; values of more than 12 digits are held as `Int.max` (RFC 6376 §3.5 allows
    /// treating them as infinite).
    var timestamp: Int?
    /// `x=`, held like `t=`.
    var expiration: Int?
    /// `z=` decoded: the copied `name:value` fields, for diagnosis only.
    var copiedFields: [String]

    /// The domain `i=` speaks for: its part after the last `@`, or `d=`.
    var identityDomain: String {
        guard let identity, let at = identity.lastIndex(of: "@") else { return domain }
        return String(identity[identity.index(after: at)...])
    }

    /// Where the key lives (RFC 6376 §3.6.2.1).
    var keyName: String { "\(selector)._domainkey.\(domain)" }

    /// Parses the value of a DKIM-Signature field, enforcing the tag rules of RFC 6376 §3.5
    /// and the checks of §6.1.1 that need nothing but the field.
    init(parsing rawValue: [UInt8], limits: DKIMVerifier.Limits) throws(DKIMFailure) {
        let tags: DKIMTagList
        do {
            tags = try DKIMTagList(parsing: rawValue, maximumTags: limits.tagsPerList)
        } catch {
            throw error.isOverLimit ? .tooManyTags(limit: limits.tagsPerList) : .signatureSyntax(error.reason)
        }
        self.tags = tags

        // RFC 6376 §6.1.1: the tags listed as required in §3.5.
        let missing = ["v", "a", "b", "bh", "d", "h", "s"].filter { tags[$0] == nil }
        guard missing.isEmpty else {
            throw .missingRequiredTag(missing.map { $0 + "=" }.joined(separator: ", "))
        }
        let text = { (name: String) -> String in tags[name]?.text ?? "" }

        // §3.5 v=: "It MUST have the value "1"".
        guard text("v") == "1" else { throw .incompatibleVersion(text("v")) }

        switch text("a") {
        case Algorithm.rsaSHA256.rawValue: algorithm = .rsaSHA256
        case Algorithm.ed25519SHA256.rawValue: algorithm = .ed25519SHA256
        // RFC 8301 §3.1: "rsa-sha1 MUST NOT be used for signing or verifying".
        case "rsa-sha1": throw .historicAlgorithm("rsa-sha1")
        case let other: throw .unsupportedAlgorithm(other)
        }

        guard let signature = DKIMBase64.decode(tags["b"]?.value ?? []), !signature.isEmpty else {
            throw .signatureSyntax("b= is not base64")
        }
        self.signature = signature
        // Both accepted algorithms hash with SHA-256, whose digest is 32 octets.
        guard let bodyHash = DKIMBase64.decode(tags["bh"]?.value ?? []), bodyHash.count == 32 else {
            throw .signatureSyntax("bh= is not a base64 SHA-256 digest")
        }
        self.bodyHash = bodyHash

        (headerCanonicalization, bodyCanonicalization) = try Self.canonicalizations(tags["c"]?.text)

        // §3.5 d=: "domain-name = sub-domain 1*("." sub-domain)".
        domain = text("d")
        guard DomainNameSyntax.isDomainName(domain) else {
            throw .signatureSyntax("d=\(domain) is not a domain name")
        }
        // §3.5 s=: "selector = sub-domain *( "." sub-domain )".
        selector = text("s")
        guard DomainNameSyntax.isDomainName(selector, minimumLabels: 1, allowingUnderscore: true),
            selector.utf8.count + "._domainkey.".utf8.count + domain.utf8.count <= 253 else {
            throw .signatureSyntax("s=\(selector) is not a selector")
        }

        signedFields = try Self.signedFields(tags["h"]?.value ?? [], limit: limits.signedFieldsPerSignature)
        // §6.1.1: "If the "h=" tag does not include the From header field, the Verifier MUST
        // ignore the DKIM-Signature header field".
        guard signedFields.contains("from") else { throw .fromNotSigned }

        identity = try tags["i"].map { tag throws(DKIMFailure) in try Self.identity(tag.value) }
        bodyLength = try tags["l"].map { tag throws(DKIMFailure) in try Self.length(tag.value) }
        timestamp = try tags["t"].map { tag throws(DKIMFailure) in try Self.time(tag) }
        expiration = try tags["x"].map { tag throws(DKIMFailure) in try Self.time(tag) }
        copiedFields = try tags["z"].map { tag throws(DKIMFailure) in try Self.copiedFields(tag.value) } ?? []

        // §3.5 q=: "Unrecognized query mechanisms MUST be ignored"; dns/txt is the only one.
        if let methods = tags["q"]?.text {
            let known = methods.split(separator: ":").contains {
                $0.trimmingFWS().lowercased() == "dns/txt"
            }
            guard known else { throw .unsupportedQueryMethod(methods) }
        }
        // §6.1.1: "the domain specified in the "d=" tag is the same as or a parent domain of the
        // domain part of the "i=" tag".
        guard DomainNameSyntax.isName(identityDomain, within: domain) else {
            throw .identityOutsideDomain(identity: identity ?? "", domain: domain)
        }
        // §3.5 x=: "MUST be greater than the value of the "t=" tag if both are present".
        if let timestamp, let expiration, expiration <= timestamp {
            throw .signatureSyntax("x=\(expiration) is not after t=\(timestamp)")
        }
    }

    /// §3.5 c=: "header/body"; one name alone is the header's, with simple for the body.
    static func canonicalizations(_ text: String?) throws(DKIMFailure)
        -> (DKIMCanonicalization, DKIMCanonicalization) {
        guard let text else { return (.simple, .simple) }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let header = DKIMCanonicalization(rawValue: String(parts[0])) else {
            throw .unsupportedCanonicalization(text)
        }
        guard parts.count == 2 else { return (header, .simple) }
        guard let body = DKIMCanonicalization(rawValue: String(parts[1])) else {
            throw .unsupportedCanonicalization(text)
        }
        return (header, body)
    }

    /// §3.5 h=: `hdr-name *( [FWS] ":" [FWS] hdr-name )`, never empty; the count is checked
    /// against the limit before any name is copied.
    private static func signedFields(_ value: [UInt8], limit: Int) throws(DKIMFailure) -> [String] {
        let count = value.reduce(1) { $1 == MessageByte.colon ? $0 + 1 : $0 }
        guard count <= limit else { throw .tooManySignedFields(count: count, limit: limit) }
        var names: [String] = []
        names.reserveCapacity(count)
        for part in value.split(separator: MessageByte.colon, omittingEmptySubsequences: false) {
            let name = part.trimmingFWS()
            // RFC 5322 §3.6.8: field-name = 1*ftext, ftext = %d33-57 / %d59-126.
            guard !name.isEmpty, name.allSatisfy({ (33...126).contains($0) && $0 != MessageByte.colon }) else {
                throw .signatureSyntax("h= holds an empty or invalid field name")
            }
            names.append(String(decoding: name.map(MessageByte.lowercased), as: UTF8.self))
        }
        return names
    }

    /// §3.5 i=: `[ Local-part ] "@" domain-name`, dkim-quoted-printable encoded.
    private static func identity(_ value: [UInt8]) throws(DKIMFailure) -> String {
        guard let decoded = DKIMQuotedPrintable.decode(value), let at = decoded.lastIndex(of: MessageByte.at) else {
            throw .signatureSyntax("i= is not an identity")
        }
        let domain = String(decoding: decoded[(at + 1)...], as: UTF8.self)
        guard DomainNameSyntax.isDomainName(domain) else {
            throw .signatureSyntax("i= has no valid domain")
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// §3.5 l=: `1*76DIGIT`; a value too large for `Int` is held as `Int.max`.
    static func length(_ value: [UInt8]) throws(DKIMFailure) -> Int {
        guard value.count <= 76, let number = decimal(value) else { throw .signatureSyntax("l= is not a number") }
        return number
    }

    /// §3.5 t= and x=: `1*12DIGIT`; "implementations MAY consider any value longer than 12
    /// digits to be infinite", which is `Int.max` here.
    static func time(_ tag: DKIMTagList.Tag) throws(DKIMFailure) -> Int {
        guard let number = decimal(tag.value) else { throw .signatureSyntax("\(tag.name)= is not a number") }
        return tag.value.count > 12 ? Int.max : number
    }

    /// The value of unsigned decimal digits, `Int.max` when it does not fit; nil for anything
    /// else or nothing.
    private static func decimal(_ digits: [UInt8]) -> Int? {
        guard !digits.isEmpty, digits.allSatisfy(MessageByte.isDigit) else { return nil }
        var number = 0
        for digit in digits {
            let (shifted, overflowed) = number.multipliedReportingOverflow(by: 10)
            let (sum, carried) = shifted.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            guard !overflowed, !carried else { return Int.max }
            number = sum
        }
        return number
    }

    /// §3.5 z=: `sig-z-tag-copy *( "|" [FWS] sig-z-tag-copy )`, each `hdr-name [FWS] ":"
    /// qp-hdr-value`.
    private static func copiedFields(_ value: [UInt8]) throws(DKIMFailure) -> [String] {
        try value.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false).map { part throws(DKIMFailure) in
            let copy = part.trimmingFWS()
            guard let colon = copy.firstIndex(of: MessageByte.colon), colon > copy.startIndex,
                let decoded = DKIMQuotedPrintable.decode(copy) else {
                throw .signatureSyntax("z= holds a copy that is not name:value")
            }
            return String(decoding: decoded, as: UTF8.self)
        }
    }
}

extension ArraySlice<UInt8> {
    /// The bytes without folding white space at either end.
    func trimmingFWS() -> ArraySlice<UInt8> {
        var result = self
        while let first = result.first, MessageByte.isFWS(first) { result = result.dropFirst() }
        while let last = result.last, MessageByte.isFWS(last) { result = result.dropLast() }
        return result
    }
}

extension Substring {
    /// The text without folding white space at either end.
    func trimmingFWS() -> Substring {
        var result = self
        while let first = result.utf8.first, MessageByte.isFWS(first) { result = result.dropFirst() }
        while let last = result.utf8.last, MessageByte.isFWS(last) { result = result.dropLast() }
        return result
    }
}
