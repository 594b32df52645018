/// Which keys sign mail from which From: address: dmarcd's `Sign` lines, or OpenDKIM's
/// SigningTable and KeyTable (opendkim.conf(5)).
public struct DKIMSigningKeys: Sendable {
    /// One key as configured: where it should sign, and the key itself or why it cannot be used.
    public struct Key: Sendable {
        /// `d=`; `%` stands for the From: domain, as in OpenDKIM's KeyTable.
        public var domain: String
        /// `s=`
        public var selector: String
        /// The PEM file.
        public var path: String
        public var key: Result<DKIMPrivateKey, DKIMPrivateKey.LoadError>

        public init(domain: String, selector: String, path: String, key: Result<DKIMPrivateKey, DKIMPrivateKey.LoadError>) {
            self.domain = domain.lowercased()
            self.selector = selector
            self.path = path
            self.key = key
        }

        /// Reads the key at `path` now.
        public init(domain: String, selector: String, path: String) {
            self.init(domain: domain, selector: selector, path: path,
                      key: Result { () throws(DKIMPrivateKey.LoadError) in try DKIMPrivateKey(contentsOfFile: path) })
        }
    }

    /// What a rule matches in the From: address.
    public enum Pattern: Sendable, Hashable, CustomStringConvertible {
        /// The From: domain itself (a `Sign` line).
        case domain(String)
        /// A key of an OpenDKIM `refile:` SigningTable: `*` matches any run of characters in
        /// the whole address.
        case wildcard(String)
        /// A key of a plain OpenDKIM SigningTable: the address, its domain, `user@.parent`,
        /// `.parent`, `user@*` or `*`, tried in that order (opendkim.conf(5) SigningTable).
        case lookup(String)

        public var description: String {
            switch self {
            case .domain(let text), .wildcard(let text), .lookup(let text): text
            }
        }
    }

    /// A pattern and the keys it selects.
    public struct Rule: Sendable {
        public var pattern: Pattern
        public var keys: [Key]

        public init(pattern: Pattern, keys: [Key]) {
            self.pattern = pattern
            self.keys = keys
        }
    }

    /// The rules in configuration order.
    public var rules: [Rule]
    public var headerCanonicalization: DKIMSigner.Canonicalization
    public var bodyCanonicalization: DKIMSigner.Canonicalization

    public init(rules: [Rule] = [], headerCanonicalization: DKIMSigner.Canonicalization = .relaxed,
                bodyCanonicalization: DKIMSigner.Canonicalization = .relaxed) {
        self.rules = rules
        self.headerCanonicalization = headerCanonicalization
        self.bodyCanonicalization = bodyCanonicalization
    }

    /// True when nothing is ever signed.
    public var isEmpty: Bool { rules.isEmpty }

    /// Every configured key, each once, for logging what cannot be used.
    public var allKeys: [Key] { rules.flatMap(\.keys) }

    /// The keys for mail whose From: address is `localPart@domain`: every `Sign` line for that
    /// domain (two make a dual rsa + ed25519 signature), else the first SigningTable rule that
    /// matches, as OpenDKIM does without MultipleSignatures.
    public func keys(localPart: String, domain: String) -> [Key] {
        let domain = domain.lowercased()
        let address = "\(localPart.lowercased())@\(domain)"
        let signLines = rules.filter { $0.pattern == .domain(domain) }.flatMap(\.keys)
        if !signLines.isEmpty { return signLines.map { $0.resolved(fromDomain: domain) } }
        for candidate in Self.lookupOrder(localPart: localPart.lowercased(), domain: domain) {
            if let rule = rules.first(where: { $0.pattern == .lookup(candidate) }) {
                return rule.keys.map { $0.resolved(fromDomain: domain) }
            }
        }
        for rule in rules {
            if case .wildcard(let pattern) = rule.pattern, Self.wildcard(pattern.lowercased(), matches: address) {
                return rule.keys.map { $0.resolved(fromDomain: domain) }
            }
        }
        return []
    }

    /// opendkim.conf(5) SigningTable: "the full user@host is checked first, then simply host,
    /// then user@.domain (with all superdomains checked in sequence, so "foo.example.com" would
    /// first check "user@foo.example.com", then "user@.example.com", then "user@.com"), then
    /// .domain, then user@*, and finally *".
    static func lookupOrder(localPart: String, domain: String) -> [String] {
        var parents: [String] = []
        var rest = Substring(domain)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            parents.append(String(rest))
        }
        return ["\(localPart)@\(domain)", domain] + parents.map { "\(localPart)@.\($0)" }
            + parents.map { ".\($0)" } + ["\(localPart)@*", "*"]
    }

    /// Whether `text` matches `pattern`, where `*` stands for any run of characters.
    static func wildcard(_ pattern: String, matches text: String) -> Bool {
        let pattern = Array(pattern.utf8)
        let text = Array(text.utf8)
        var p = 0, t = 0
        var star: Int?
        var resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                resume = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}

extension DKIMSigningKeys.Key {
    /// The key with `%` in its domain replaced by the From: domain.
    func resolved(fromDomain: String) -> Self {
        var key = self
        if domain == "%" { key.domain = fromDomain }
        return key
    }
}
