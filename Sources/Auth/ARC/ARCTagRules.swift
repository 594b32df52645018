/// The tag rules ARC-Message-Signature and ARC-Seal share: both are DKIM tag-lists
/// (RFC 8617 §4.1.2, §4.1.3) whose `i=` is the ARC instance instead of an AUID (§4.2.1).
enum ARCTagRules {
    /// RFC 8617 §4.2.1: "Instance tag values can range from 1-50 (inclusive)."
    static let instances = 1...50

    /// Parses a field's tag-list, turning syntax errors into a chain failure.
    static func tags(_ rawValue: [UInt8], field: String, limits: DKIMVerifier.Limits) throws(ARCFailure) -> DKIMTagList {
        do {
            return try DKIMTagList(parsing: rawValue, maximumTags: limits.tagsPerList)
        } catch {
            throw ARCFailure("\(field): \(error.reason)")
        }
    }

    /// The instance value of `i=`: `instance-value = 1*2DIGIT` within 1–50 (RFC 8617 §4.2.1).
    static func instance(_ text: some Collection<UInt8>) -> Int? {
        guard (1...2).contains(text.count), text.allSatisfy(MessageByte.isDigit) else { return nil }
        let value = text.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return instances.contains(value) ? value : nil
    }

    /// The instance of a tag-list's `i=`.
    static func instance(of tags: DKIMTagList, field: String) throws(ARCFailure) -> Int {
        guard let tag = tags["i"] else { throw ARCFailure("\(field) has no i= instance tag") }
        guard let value = instance(tag.value) else { throw ARCFailure("\(field) has invalid instance i=\(tag.text)") }
        return value
    }

    /// The tags shared with DKIM-Signature (RFC 6376 §3.5), checked as DKIM checks them.
    struct Common: Sendable, Hashable {
        var algorithm: DKIMSignature.Algorithm
        var signature: [UInt8]
        var domain: String
        var selector: String
        var timestamp: Int?

        /// Where the key lives (RFC 6376 §3.6.2.1, which both ARC signatures use).
        var keyName: String { "\(selector)._domainkey.\(domain)" }
    }

    /// Reads `a=`, `b=`, `d=`, `s=` and `t=` of `tags`, after checking that every tag in
    /// `required` is present.
    static func common(_ tags: DKIMTagList, required: [String], field: String,
                       instance: Int) throws(ARCFailure) -> Common {
        let missing = required.filter { tags[$0] == nil }
        guard missing.isEmpty else {
            throw ARCFailure("\(field) i=\(instance) lacks required tag \(missing.map { $0 + "=" }.joined(separator: ", "))")
        }
        func fail(_ why: String) -> ARCFailure { ARCFailure("\(field) i=\(instance): \(why)") }
        let algorithmName = tags["a"]?.text ?? ""
        guard let algorithm = DKIMSignature.Algorithm(rawValue: algorithmName) else {
            // RFC 8301 §3.1 rules out rsa-sha1 for DKIM, and so for ARC (RFC 8617 §5.2).
            throw fail("unsupported algorithm a=\(algorithmName)")
        }
        guard let signature = DKIMBase64.decode(tags["b"]?.value ?? []), !signature.isEmpty else {
            throw fail("b= is not base64")
        }
        // RFC 6376 §3.5 d= and s=, as DKIMSignature checks them.
        let domain = tags["d"]?.text ?? ""
        guard DomainNameSyntax.isDomainName(domain) else { throw fail("d=\(domain) is not a domain name") }
        let selector = tags["s"]?.text ?? ""
        guard DomainNameSyntax.isDomainName(selector, minimumLabels: 1, allowingUnderscore: true),
            selector.utf8.count + "._domainkey.".utf8.count + domain.utf8.count <= 253 else {
            throw fail("s=\(selector) is not a selector")
        }
        var timestamp: Int?
        if let tag = tags["t"] {
            do {
                timestamp = try DKIMSignature.time(tag)
            } catch {
                throw fail("\(error)")
            }
        }
        return Common(algorithm: algorithm, signature: signature, domain: domain, selector: selector,
                      timestamp: timestamp)
    }
}
