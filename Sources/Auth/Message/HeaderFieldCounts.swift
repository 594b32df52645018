/// How often a message has each header field whose number RFC 5322 §3.6 limits, to tell a
/// message that breaks the limits (OpenDMARC's `RequiredHeaders`).
public struct HeaderFieldCounts: Sendable, Hashable {
    /// RFC 5322 §3.6's table: Date and From exactly once; these at most once.
    static let required = ["date", "from"]
    static let atMostOnce = ["sender", "reply-to", "to", "cc", "bcc", "message-id", "in-reply-to", "references", "subject"]

    private var counts: [String: Int] = [:]

    public init() {}

    /// Counts one field of the message, by name.
    public mutating func count(_ name: String) {
        let key = name.lowercased()
        guard Self.required.contains(key) || Self.atMostOnce.contains(key) else { return }
        counts[key, default: 0] += 1
    }

    /// What breaks RFC 5322 §3.6, e.g. `no Date field, 2 Subject fields`; nil when nothing does.
    public var violation: String? {
        var problems: [String] = []
        for name in Self.required {
            let count = counts[name] ?? 0
            if count == 0 { problems.append("no \(Self.displayName(name)) field") }
            if count > 1 { problems.append("\(count) \(Self.displayName(name)) fields") }
        }
        for name in Self.atMostOnce {
            if let count = counts[name], count > 1 { problems.append("\(count) \(Self.displayName(name)) fields") }
        }
        return problems.isEmpty ? nil : problems.joined(separator: ", ")
    }

    /// `Message-ID`, `Reply-To`: the names as RFC 5322 writes them.
    private static func displayName(_ key: String) -> String {
        key == "message-id" ? "Message-ID"
            : key.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-")
    }
}
