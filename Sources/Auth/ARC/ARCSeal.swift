/// An ARC-Seal header field (RFC 8617 §4.1.3), parsed and checked.
struct ARCSeal: Sendable, Hashable {
    /// The chain validation status a sealer recorded in `cv=` (RFC 8617 §4.4).
    enum ChainValidation: String, Sendable, Hashable {
        case none
        case fail
        case pass
    }

    var tags: DKIMTagList
    var instance: Int
    var common: ARCTagRules.Common
    var chainValidation: ChainValidation

    /// Parses the value of an ARC-Seal field.
    init(parsing rawValue: [UInt8], limits: DKIMVerifier.Limits) throws(ARCFailure) {
        let tags = try ARCTagRules.tags(rawValue, field: "ARC-Seal", limits: limits)
        self.tags = tags
        instance = try ARCTagRules.instance(of: tags, field: "ARC-Seal")
        // RFC 8617 §4.1.3: the supported tags are i, a, b, d, s, t and cv; "the DKIM "h" tag is
        // NOT allowed and, if found, MUST result in a cv status of "fail"".
        guard tags["h"] == nil else { throw ARCFailure("ARC-Seal i=\(instance) has an h= tag") }
        common = try ARCTagRules.common(tags, required: ["a", "b", "cv", "d", "s"], field: "ARC-Seal", instance: instance)
        let status = tags["cv"]?.text ?? ""
        // RFC 8617 §4.4: one of three values; tag values are compared as written (RFC 6376 §3.2).
        guard let chainValidation = ChainValidation(rawValue: status) else {
            throw ARCFailure("ARC-Seal i=\(instance) has invalid cv=\(status)")
        }
        self.chainValidation = chainValidation
    }
}
