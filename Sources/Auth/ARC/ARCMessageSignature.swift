/// An ARC-Message-Signature header field (RFC 8617 §4.1.2), parsed and checked.
///
/// It is a DKIM-Signature in all but name, `v=` and `i=`, so the DKIM rules for `a=`, `b=`,
/// `bh=`, `c=`, `d=`, `h=`, `l=`, `s=` and `t=` apply (RFC 6376 §3.5).
struct ARCMessageSignature: Sendable, Hashable {
    var tags: DKIMTagList
    var instance: Int
    var common: ARCTagRules.Common
    /// `bh=`, decoded.
    var bodyHash: [UInt8]
    var headerCanonicalization: DKIMCanonicalization
    var bodyCanonicalization: DKIMCanonicalization
    /// `h=`, lower-cased.
    var signedFields: [String]
    /// `l=`
    var bodyLength: Int?

    /// Parses the value of an ARC-Message-Signature field.
    init(parsing rawValue: [UInt8], limits: DKIMVerifier.Limits) throws(ARCFailure) {
        let field = "ARC-Message-Signature"
        let tags = try ARCTagRules.tags(rawValue, field: field, limits: limits)
        self.tags = tags
        instance = try ARCTagRules.instance(of: tags, field: field)
        // RFC 8617 §4.1.2: no v= is defined, and "if seen, a version tag MUST be ignored".
        common = try ARCTagRules.common(tags, required: ["a", "b", "bh", "d", "h", "s"], field: field, instance: instance)
        let instance = instance
        func fail(_ why: String) -> ARCFailure { ARCFailure("\(field) i=\(instance): \(why)") }
        guard let bodyHash = DKIMBase64.decode(tags["bh"]?.value ?? []), bodyHash.count == 32 else {
            throw fail("bh= is not a base64 SHA-256 digest")
        }
        self.bodyHash = bodyHash
        do {
            (headerCanonicalization, bodyCanonicalization) = try DKIMSignature.canonicalizations(tags["c"]?.text)
            bodyLength = try tags["l"].map { tag throws(DKIMFailure) in try DKIMSignature.length(tag.value) }
        } catch {
            throw fail("\(error)")
        }
        signedFields = try Self.signedFields(tags["h"]?.value ?? [], limit: limits.signedFieldsPerSignature, fail: fail)
        // RFC 8617 §4.1.2: ARC header fields "MUST NOT be included in the list of header fields
        // covered by the signature of the AMS header field". Sealers in the field sign
        // ARC-Authentication-Results all the same (every chain of the ValiMail suite does, and
        // it expects a signed ARC-Message-Signature to pass), so only a signed ARC-Seal, which
        // would tie the signature to the chain's seals, is refused.
        guard !signedFields.contains("arc-seal") else { throw fail("h= lists ARC-Seal") }
    }

    /// `h=` as a list of lower-cased names.
    ///
    /// Unlike DKIM (RFC 6376 §6.1.1), From need not be listed, and empty names between colons
    /// are skipped rather than fatal: RFC 8617 places no requirement on the list beyond
    /// excluding ARC fields (§4.1.2), and an empty name selects no field either way.
    private static func signedFields(_ value: [UInt8], limit: Int,
                                     fail: (String) -> ARCFailure) throws(ARCFailure) -> [String] {
        let count = value.reduce(1) { $1 == MessageByte.colon ? $0 + 1 : $0 }
        guard count <= limit else { throw fail("h= lists \(count) fields, more than \(limit)") }
        var names: [String] = []
        for part in value.split(separator: MessageByte.colon, omittingEmptySubsequences: false) {
            let name = part.trimmingFWS()
            guard !name.isEmpty else { continue }
            // RFC 5322 §3.6.8: field-name = 1*ftext, ftext = %d33-57 / %d59-126.
            guard name.allSatisfy({ (33...126).contains($0) }) else { throw fail("h= holds an invalid field name") }
            names.append(String(decoding: name.map(MessageByte.lowercased), as: UTF8.self))
        }
        return names
    }
}
