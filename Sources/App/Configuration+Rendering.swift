extension Configuration {
    /// Every setting as configuration lines, defaults included, in the order of
    /// ``ConfigurationKey/all``: `Key value` for each key with a value, and a comment saying what
    /// an unset key means. Read back with ``ConfigurationParser``, the text gives this
    /// configuration again. Keys dmarcd does not need are left out, having no effect.
    public func rendered() -> String {
        let keys = ConfigurationKey.all.filter { $0.status == .supported }
        let width = keys.map(\.name.count).max() ?? 0
        var text = ""
        for key in keys {
            // Values start in one column, also after the "# " of an unset key.
            if let value = key.value(in: self) {
                // A repeated key gives one line per value.
                for line in value.split(separator: "\n") {
                    text += key.name + Self.padding(width + 1 - key.name.count) + line + "\n"
                }
            } else {
                let meaning = key.whenUnset ?? "no value"
                text += "# " + key.name + Self.padding(width - 1 - key.name.count) + "(not set: \(meaning))\n"
            }
        }
        return text
    }

    private static func padding(_ count: Int) -> String {
        String(repeating: " ", count: max(1, count))
    }
}
