import Foundation

/// Addresses and domains that never get reports, as OpenDMARC's `NoReportsList` file names them:
/// one entry a line, `#` starts a comment.
///
/// An entry with `@` excludes that address; an entry without excludes every address at that
/// domain and at names below it. Comparison ignores case (RFC 5321 §2.4 lets the receiving host
/// decide local-part case; excluding too much is the safe side here).
public struct ReportExclusionList: Sendable, Hashable {
    private var addresses: Set<String> = []
    private var domains: Set<String> = []

    /// An empty list.
    public init() {}

    /// The entries of a `NoReportsList` file's text.
    public init(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let entry = line.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces).lowercased()
            guard !entry.isEmpty else { continue }
            if entry.contains("@") {
                addresses.insert(entry)
            } else {
                domains.insert(entry.hasSuffix(".") ? String(entry.dropLast()) : entry)
            }
        }
    }

    /// True when `address` (`local@domain`) must not get reports.
    public func excludes(_ address: String) -> Bool {
        let address = address.lowercased()
        if addresses.contains(address) { return true }
        guard let at = address.lastIndex(of: "@") else { return false }
        var domain = Substring(address[address.index(after: at)...])
        while !domain.isEmpty {
            if domains.contains(String(domain)) { return true }
            guard let dot = domain.firstIndex(of: ".") else { break }
            domain = domain[domain.index(after: dot)...]
        }
        return false
    }
}
