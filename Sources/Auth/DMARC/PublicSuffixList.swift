import Foundation

/// The Public Suffix List (https://publicsuffix.org/list/), which RFC 7489 §3.2 uses to find a
/// domain's Organizational Domain: the public suffix plus one label.
///
/// Only the RFC 7489 mode of ``DMARCEvaluator`` needs it; RFC 9989 replaced it with the DNS
/// Tree Walk (RFC 9989 §4.10, Appendix C.3). Rules are kept in A-label form, so U-label and
/// Punycode input meet in one place.
public struct PublicSuffixList: Sendable {
    /// Where Debian's `publicsuffix` package installs the list.
    public static let debianPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    /// Why a list could not be read.
    public struct LoadError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong.
        public var reason: String
        public var description: String { reason }
    }

    /// Names that are public suffixes themselves (`com`, `co.uk`).
    private var exact: Set<String> = []
    /// Names whose every child is a public suffix (`ck` for the rule `*.ck`).
    private var wildcardParents: Set<String> = []
    /// Names exempted from a wildcard, which are registrable (`www.ck` for `!www.ck`).
    private var exceptions: Set<String> = []

    /// The number of rules read.
    public var ruleCount: Int { exact.count + wildcardParents.count + exceptions.count }

    /// Reads the list's file format: one rule per line, the rule being the line's first word;
    /// `//` starts a comment line; `*.` marks a wildcard and `!` an exception. Both the ICANN and
    /// the private section are read, as RFC 7489 §3.2 asks for the union of all such names.
    /// Rules that are not domain names are skipped.
    public init(text: String) throws(LoadError) {
        for line in text.split(whereSeparator: \.isNewline) {
            guard let word = line.split(whereSeparator: \.isWhitespace).first, !word.hasPrefix("//") else {
                continue
            }
            if word.hasPrefix("!") {
                if let name = DMARCDomainName.normalized(word.dropFirst()) { exceptions.insert(name) }
            } else if word.hasPrefix("*.") {
                if let name = DMARCDomainName.normalized(word.dropFirst(2)) { wildcardParents.insert(name) }
            } else if let name = DMARCDomainName.normalized(word) {
                exact.insert(name)
            }
        }
        guard ruleCount > 0 else { throw LoadError(reason: "no public suffix rules in the list") }
    }

    /// Reads the list from a file (for example ``debianPath``).
    public init(contentsOfFile path: String) throws(LoadError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(reason: "cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// The registrable domain of `name` (the public suffix and one more label), in lower-case
    /// A-label form; nil when `name` is itself a public suffix or not a domain name.
    ///
    /// The algorithm of the list's documentation: the matching rule with the most labels
    /// prevails, an exception rule over all others, and a name no rule matches falls under the
    /// implicit rule `*`.
    public func registrableDomain(of name: String) -> String? {
        guard !name.hasPrefix("."), let domain = DMARCDomainName.normalized(name) else { return nil }
        let labels = DMARCDomainName.labels(of: domain)
        let suffixLength = publicSuffixLength(labels)
        guard labels.count > suffixLength else { return nil }
        return labels.suffix(suffixLength + 1).joined(separator: ".")
    }

    /// RFC 7489 §3.2: the Organizational Domain of a normalized `domain`; a name that is itself a
    /// public suffix has no registered part above it, so it is its own.
    public func organizationalDomain(of domain: String) -> String {
        registrableDomain(of: domain) ?? domain
    }

    /// How many labels, counted from the right, form the public suffix of `labels`.
    private func publicSuffixLength(_ labels: [Substring]) -> Int {
        var longest = 1
        for count in 1...labels.count {
            let candidate = labels.suffix(count).joined(separator: ".")
            if exceptions.contains(candidate) {
                return count - 1
            }
            if exact.contains(candidate) {
                longest = count
            } else if count > 1, wildcardParents.contains(labels.suffix(count - 1).joined(separator: ".")) {
                longest = count
            }
        }
        return longest
    }
}
