/// One key of `dmarcd.conf`: its name, what it means, its default, and how its text sets a field
/// of ``Configuration``. The keys themselves are listed in ``ConfigurationKey/all``; adding a key
/// is adding one entry there (and a field to ``Configuration`` when it holds a new setting).
public struct ConfigurationKey: Sendable {
    /// What dmarcd does with a key.
    public enum Status: Sendable, Hashable {
        /// The value sets a field of ``Configuration``.
        case supported
        /// An `opendmarc.conf` key that dmarcd has no use for. A line with it still loads, with a
        /// warning that gives this reason, so an existing file keeps working.
        case notNeeded(reason: String)
    }

    /// The name as written in the sample file; keys are matched without regard to case.
    public let name: String
    /// Older names that still work, with a warning naming the current one.
    public let formerNames: [String]
    /// Whether dmarcd uses the key or only accepts it.
    public let status: Status
    /// What a valid value looks like.
    public let form: String
    /// What the key does, in one line.
    public let summary: String
    /// What it means when a key without a default is left out; `nil` for keys that have a default
    /// and for keys dmarcd does not need.
    public let whenUnset: String?
    /// A value to show in the sample file for a key without a default, or one an OpenDMARC file
    /// might hold for a key dmarcd does not need.
    public let example: String?
    /// Whether each line of the key adds a value rather than replacing the one before.
    public var isRepeated = false

    typealias Assign = @Sendable (inout Configuration, String, inout [String])
        throws(ConfigurationValueError) -> Void
    private let assign: Assign
    private let read: @Sendable (Configuration) -> String?

    /// Sets the field this key controls from the text after the key; `warnings` gets advice about
    /// a value that was accepted. Keys dmarcd does not need leave `configuration` unchanged.
    func apply(
        _ text: String, to configuration: inout Configuration, warnings: inout [String]
    ) throws(ConfigurationValueError) {
        try assign(&configuration, text, &warnings)
    }

    /// The value as it would be written in the file, or `nil` when the key is unset (or not needed).
    public func value(in configuration: Configuration) -> String? {
        read(configuration)
    }

    /// The value an empty file gives this key, or `nil` when it has none.
    public var defaultValue: String? {
        value(in: .defaults)
    }
}

extension ConfigurationKey {
    /// A key for a field that always has a value.
    static func setting<Value>(
        _ name: String, formerNames: [String] = [],
        _ field: WritableKeyPath<Configuration, Value> & Sendable,
        _ syntax: ConfigurationValueSyntax<Value>,
        _ summary: String
    ) -> Self {
        Self(
            name: name, formerNames: formerNames, status: .supported, form: syntax.form, summary: summary,
            whenUnset: nil, example: nil,
            assign: { configuration, text, warnings throws(ConfigurationValueError) in
                configuration[keyPath: field] = try syntax.parse(text, &warnings)
            },
            read: { syntax.format($0[keyPath: field]) }
        )
    }

    /// A key for a field that is `nil` unless the file sets it.
    static func optional<Value>(
        _ name: String, formerNames: [String] = [],
        _ field: WritableKeyPath<Configuration, Value?> & Sendable,
        _ syntax: ConfigurationValueSyntax<Value>,
        _ summary: String,
        whenUnset: String, example: String
    ) -> Self {
        Self(
            name: name, formerNames: formerNames, status: .supported, form: syntax.form, summary: summary,
            whenUnset: whenUnset, example: example,
            assign: { configuration, text, warnings throws(ConfigurationValueError) in
                configuration[keyPath: field] = try syntax.parse(text, &warnings)
            },
            read: { $0[keyPath: field].map(syntax.format) }
        )
    }

    /// A key for a comma-separated list that is empty unless the file sets it.
    static func list<Element>(
        _ name: String, formerNames: [String] = [],
        _ field: WritableKeyPath<Configuration, [Element]> & Sendable,
        _ element: ConfigurationValueSyntax<Element>,
        _ summary: String,
        whenUnset: String, example: String
    ) -> Self {
        let syntax = ConfigurationValueSyntax<[Element]>.list(of: element)
        return Self(
            name: name, formerNames: formerNames, status: .supported, form: syntax.form, summary: summary,
            whenUnset: whenUnset, example: example,
            assign: { configuration, text, warnings throws(ConfigurationValueError) in
                configuration[keyPath: field] = try syntax.parse(text, &warnings)
            },
            read: { configuration in
                let values = configuration[keyPath: field]
                return values.isEmpty ? nil : syntax.format(values)
            }
        )
    }

    /// A key that may be given on several lines, each adding one value.
    static func repeated<Element>(
        _ name: String,
        _ field: WritableKeyPath<Configuration, [Element]> & Sendable,
        _ element: ConfigurationValueSyntax<Element>,
        _ summary: String,
        whenUnset: String, example: String
    ) -> Self {
        Self(
            name: name, formerNames: [], status: .supported, form: element.form, summary: summary,
            whenUnset: whenUnset, example: example, isRepeated: true,
            assign: { configuration, text, warnings throws(ConfigurationValueError) in
                configuration[keyPath: field].append(try element.parse(text, &warnings))
            },
            read: { configuration in
                let values = configuration[keyPath: field]
                return values.isEmpty ? nil : values.map(element.format).joined(separator: "\n")
            }
        )
    }

    /// An `opendmarc.conf` key dmarcd accepts and ignores; `form` is the value OpenDMARC took and
    /// `example` a line an OpenDMARC file might hold.
    static func notNeeded(
        _ name: String, form: String, example: String, _ summary: String, because reason: String
    ) -> Self {
        Self(
            name: name, formerNames: [], status: .notNeeded(reason: reason), form: form, summary: summary,
            whenUnset: nil, example: example,
            assign: { _, _, _ in },
            read: { _ in nil }
        )
    }
}
