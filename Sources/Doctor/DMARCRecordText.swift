/// Edits of a published DMARC record's text, for fixes that show the record as it should be:
/// the tags stay in their order and spelling, only the one tag named changes.
enum DMARCRecordText {
    /// The record without the tag `name`.
    static func removing(_ text: String, tag name: String) -> String {
        joined(tags(text).filter { self.name(of: $0) != name })
    }

    /// The record with the tag `name` replaced by `replacement` (`name=value`), or with
    /// `replacement` added at the end when the tag is absent.
    static func replacing(_ text: String, tag name: String, with replacement: String) -> String {
        let tags = tags(text)
        guard tags.contains(where: { self.name(of: $0) == name }) else { return adding(text, tag: replacement) }
        return joined(tags.map { self.name(of: $0) == name ? replacement : $0 })
    }

    /// The record with `tag` (`name=value`) added at the end.
    static func adding(_ text: String, tag: String) -> String {
        joined(tags(text) + [tag])
    }

    private static func tags(_ text: String) -> [String] {
        text.split(separator: ";").map { $0.trimmingWhiteSpace }.filter { !$0.isEmpty }
    }

    private static func name(of tag: String) -> String {
        (tag.split(separator: "=", maxSplits: 1).first.map(String.init) ?? tag).trimmingWhiteSpace.lowercased()
    }

    private static func joined(_ tags: [String]) -> String {
        tags.joined(separator: "; ")
    }
}

extension StringProtocol {
    /// The text without spaces and tabs at either end (RFC 9989 §4.8 `dmarc-sep` white space).
    var trimmingWhiteSpace: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
