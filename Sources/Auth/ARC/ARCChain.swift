/// The ARC Sets of a message, collected and checked for structure (RFC 8617 §5.2 steps 1–3).
struct ARCChain: Sendable {
    /// One ARC Set (RFC 8617 §4.2): its three fields and where they sit in the header block.
    struct SetFields: Sendable {
        var instance: Int
        var resultsIndex: Int
        /// The ARC-Authentication-Results payload after `i=N;`, unfolded and trimmed.
        var results: String
        var signatureIndex: Int
        var signature: ARCMessageSignature
        var sealIndex: Int
        var seal: ARCSeal
    }

    /// The sets, oldest (i=1) first.
    var sets: [SetFields]

    /// The field names that make up an ARC Set (RFC 8617 §4.1).
    static let resultsName = "ARC-Authentication-Results"
    static let signatureName = "ARC-Message-Signature"
    static let sealName = "ARC-Seal"

    /// True for the three ARC header fields.
    static func isARCField(_ field: HeaderField) -> Bool {
        field.hasName(resultsName) || field.hasName(signatureName) || field.hasName(sealName)
    }

    /// Reads the chain from the header block (top to bottom), or nil when the message has no ARC
    /// header fields at all (§5.2 step 1: status "none").
    init?(fields: [HeaderField], limits: DKIMVerifier.Limits) throws(ARCFailure) {
        var results: [Int: [(index: Int, text: String)]] = [:]
        var signatures: [Int: [(index: Int, signature: ARCMessageSignature)]] = [:]
        var seals: [Int: [(index: Int, seal: ARCSeal)]] = [:]
        var sawARCField = false
        for (index, field) in fields.enumerated() {
            if field.hasName(Self.resultsName) {
                sawARCField = true
                let (instance, text) = try Self.results(field.rawValue)
                results[instance, default: []].append((index, text))
            } else if field.hasName(Self.signatureName) {
                sawARCField = true
                let signature = try ARCMessageSignature(parsing: field.rawValue, limits: limits)
                signatures[signature.instance, default: []].append((index, signature))
            } else if field.hasName(Self.sealName) {
                sawARCField = true
                let seal = try ARCSeal(parsing: field.rawValue, limits: limits)
                seals[seal.instance, default: []].append((index, seal))
            }
        }
        guard sawARCField else { return nil }

        // §5.2 step 1: N is the highest instance found. Instances above 50 were refused while
        // parsing (§4.2.1), so no more than 50 sets can get this far.
        let newest = Set<Int>(results.keys).union(signatures.keys).union(seals.keys).max() ?? 0
        // §5.2 step 2: a chain its newest sealer marked failed stays failed.
        if seals[newest]?.contains(where: { $0.seal.chainValidation == .fail }) == true {
            throw ARCFailure("ARC-Seal i=\(newest) records cv=fail")
        }
        var sets: [SetFields] = []
        for instance in 1...newest {
            // §5.2 step 3 A and B: exactly one of each field per instance, for every instance
            // from 1 to N.
            guard let result = try Self.one(results[instance], name: Self.resultsName, instance: instance),
                let signature = try Self.one(signatures[instance], name: Self.signatureName, instance: instance),
                let seal = try Self.one(seals[instance], name: Self.sealName, instance: instance) else {
                throw ARCFailure("ARC Set i=\(instance) is incomplete")
            }
            // §5.2 step 3 C: "For ARC Sets with instance values > 1, the values MUST be "pass".
            // For the ARC Set with instance value = 1, the value MUST be "none"."
            let expected: ARCSeal.ChainValidation = instance == 1 ? .none : .pass
            guard seal.seal.chainValidation == expected else {
                throw ARCFailure("ARC-Seal i=\(instance) has cv=\(seal.seal.chainValidation.rawValue), not cv=\(expected.rawValue)")
            }
            sets.append(SetFields(instance: instance, resultsIndex: result.index, results: result.text,
                            signatureIndex: signature.index, signature: signature.signature,
                            sealIndex: seal.index, seal: seal.seal))
        }
        self.sets = sets
    }

    /// The single entry of `entries`; nil when there is none, a failure when there are several.
    private static func one<Entry>(_ entries: [Entry]?, name: String, instance: Int) throws(ARCFailure) -> Entry? {
        guard let entries, let first = entries.first else {
            throw ARCFailure("ARC Set i=\(instance) has no \(name)")
        }
        // RFC 8617 §4.2.1: "Valid ARC Sets MUST have exactly one instance of each ARC header
        // field (AAR, AMS, and AS) for a given instance value".
        guard entries.count == 1 else { throw ARCFailure("ARC Set i=\(instance) has \(entries.count) \(name) fields") }
        return first
    }

    /// Splits an ARC-Authentication-Results value into its instance and its payload.
    ///
    /// RFC 8617 §4.1.1: `arc-info = instance [CFWS] ";" authres-payload`, with `instance =
    /// [CFWS] %s"i" [CFWS] "=" [CFWS] instance-value` (§4.2.1). Comments in the CFWS are not
    /// accepted; none of the sealers in the test corpus writes them.
    static func results(_ value: [UInt8]) throws(ARCFailure) -> (instance: Int, text: String) {
        var index = value.startIndex
        func skipFWS() {
            while index < value.endIndex, MessageByte.isFWS(value[index]) { index += 1 }
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < value.endIndex, value[index] == byte else { return false }
            index += 1
            return true
        }
        skipFWS()
        guard expect(UInt8(ascii: "i")) else { throw ARCFailure("\(resultsName) does not start with i=") }
        skipFWS()
        guard expect(MessageByte.equals) else { throw ARCFailure("\(resultsName) does not start with i=") }
        skipFWS()
        let digitsStart = index
        while index < value.endIndex, MessageByte.isDigit(value[index]) { index += 1 }
        guard let instance = ARCTagRules.instance(value[digitsStart..<index]) else {
            throw ARCFailure("\(resultsName) has invalid instance i=\(String(decoding: value[digitsStart..<index], as: UTF8.self))")
        }
        skipFWS()
        guard expect(MessageByte.semicolon) else {
            throw ARCFailure("\(resultsName) i=\(instance) has no \";\" after the instance")
        }
        let payload = HeaderField(name: resultsName, rawValue: value[index...]).unfoldedValue
        return (instance, payload)
    }
}
