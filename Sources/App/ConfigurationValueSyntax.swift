import Logging

/// Why a configuration value was refused, in words for the person who wrote it.
struct ConfigurationValueError: Error, Equatable {
    var reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}

/// How the text after a key becomes a typed value, and how that value is written back so that
/// it reads the same again.
///
/// `parse` may append warnings: values that OpenDMARC accepted and dmarcd reads the same way, but
/// that are better written otherwise.
struct ConfigurationValueSyntax<Value: Sendable>: Sendable {
    typealias Parse = @Sendable (_ text: String, _ warnings: inout [String]) throws(ConfigurationValueError) -> Value

    /// What a valid value looks like, for help text and the sample file.
    let form: String
    let parse: Parse
    let format: @Sendable (Value) -> String
}

extension ConfigurationValueSyntax where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
    /// One of the value type's cases, written as its raw value in any case.
    static var choice: Self {
        let names = Value.allCases.map(\.rawValue)
        let form = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        return Self(form: form, parse: { text, _ throws(ConfigurationValueError) in
            guard let value = Value(rawValue: text.lowercased()) else {
                throw ConfigurationValueError("\"\(text)\" is not \(form)")
            }
            return value
        }, format: \.rawValue)
    }
}

extension ConfigurationValueSyntax where Value == Bool {
    /// `true false yes no 1 0` in any case. OpenDMARC looks only at the first character
    /// (t, y, 1 or f, n, 0), so other words starting with one of those still load, with a warning.
    static var boolean: Self {
        Self(form: "true or false") { text, warnings throws(ConfigurationValueError) in
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: break
            }
            let value: Bool
            switch text.first {
            case "t", "T", "y", "Y", "1": value = true
            case "f", "F", "n", "N", "0": value = false
            default:
                throw ConfigurationValueError("\"\(text)\" is not a boolean; use true, false, yes, no, 1 or 0")
            }
            warnings.append(
                "\"\(text)\" is read as \(value) because OpenDMARC looks only at its first letter; write \(value)")
            return value
        } format: { $0 ? "true" : "false" }
    }
}

extension ConfigurationValueSyntax where Value == String {
    /// Free text: a path, a command, a reply text. The reader has already trimmed it.
    static var text: Self {
        Self(form: "text", parse: { text, _ in text }, format: { $0 })
    }

    /// A path to a file.
    static var path: Self {
        Self(form: "path", parse: { text, _ in text }, format: { $0 })
    }

    /// One word: an authserv-id or an address, where a space would break the header field or
    /// envelope it ends up in.
    static func token(_ what: String) -> Self {
        Self(form: what) { text, _ throws(ConfigurationValueError) in
            guard !text.contains(where: \.isWhitespace) else {
                throw ConfigurationValueError("\"\(text)\" is not one \(what); it contains a space")
            }
            return text
        }
        format: { $0 }
    }

    /// A domain name, lower-cased and without a final dot.
    static var domain: Self {
        Self(form: "domain") { text, _ throws(ConfigurationValueError) in
            var name = text.lowercased()
            if name.hasSuffix(".") { name.removeLast() }
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            guard !name.contains(where: { $0.isWhitespace || $0 == "@" || $0 == "/" }),
                  name.utf8.count <= 253, !labels.contains(where: \.isEmpty)
            else {
                throw ConfigurationValueError("\"\(text)\" is not a domain name")
            }
            return name
        }
        format: { $0 }
    }

    /// The text of an SMTP reply; RFC 5321 §4.2 replies are single lines, which a configuration
    /// line always is. OpenDMARC's develop branch refuses more than one `%s`.
    static var rejectText: Self {
        Self(form: "text with at most one %s") { text, _ throws(ConfigurationValueError) in
            guard text.components(separatedBy: "%s").count <= 2 else {
                throw ConfigurationValueError("\"\(text)\" has more than one %s; only one From: domain is put in")
            }
            return text
        }
        format: { $0 }
    }
}

extension ConfigurationValueSyntax where Value == Duration {
    /// Whole seconds for the DNS deadline. OpenDMARC documents 0 as "wait forever", which would
    /// let one dead name server stall Postfix; dmarcd keeps its default then and says so.
    static var dnsTimeout: Self {
        let limit = 300
        return Self(form: "seconds") { text, warnings throws(ConfigurationValueError) in
            guard let seconds = Int(text), seconds >= 0 else {
                throw ConfigurationValueError("\"\(text)\" is not a whole number of seconds")
            }
            guard seconds <= limit else {
                throw ConfigurationValueError(
                    "\(seconds) seconds is more than \(limit); Postfix gives up on the milter long before")
            }
            if seconds == 0 {
                warnings.append("0 (wait forever) is not supported; dmarcd keeps the default of 5 seconds")
                return Configuration.defaults.dnsTimeout
            }
            return .seconds(seconds)
        }
        format: { String($0.components.seconds) }
    }
}

extension ConfigurationValueSyntax where Value == UInt32 {
    /// A umask, read like OpenDMARC reads integers (C `strtol` with base 0): a leading `0` means
    /// octal and `0x` hexadecimal, anything else decimal. A decimal number that would differ from
    /// the same digits read as octal gets a warning, since `umask(1)` users write octal.
    static var umask: Self {
        Self(form: "octal mask") { text, warnings throws(ConfigurationValueError) in
            let lower = text.lowercased()
            let parsed: UInt32?
            if lower.hasPrefix("0x") {
                parsed = UInt32(lower.dropFirst(2), radix: 16)
            } else if lower.hasPrefix("0") {
                parsed = UInt32(lower, radix: 8)
            } else {
                parsed = UInt32(lower, radix: 10)
                if let parsed, parsed > 7 {
                    warnings.append("\(text) is read as a decimal number (octal \(Self.octal(parsed))), "
                        + "as OpenDMARC does; start it with 0 to write octal")
                }
            }
            guard let mask = parsed, mask <= 0o777 else {
                throw ConfigurationValueError("\"\(text)\" is not a file mode mask from 000 to 0777")
            }
            return mask
        }
        format: { octal($0) }
    }

    private static func octal(_ mask: UInt32) -> String {
        let digits = String(mask, radix: 8)
        return "0" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}

extension ConfigurationValueSyntax where Value == Logger.Level {
    /// One of swift-log's level names, in any case.
    static var logLevel: Self {
        let names = Logger.Level.allCases.map(\.rawValue)
        return Self(form: names.joined(separator: ", ")) { text, _ throws(ConfigurationValueError) in
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationValueError(
                    "\"\(text)\" is not a log level; use one of \(names.joined(separator: ", "))")
            }
            return level
        }
        format: { $0.rawValue }
    }
}

extension ConfigurationValueSyntax {
    /// A value type that reads itself from text and writes itself back as its `description`.
    static func parsed(
        _ form: String, _ parse: @escaping @Sendable (String) throws(ConfigurationValueError) -> Value
    ) -> Self where Value: CustomStringConvertible {
        Self(form: form, parse: { text, _ throws(ConfigurationValueError) in try parse(text) }, format: \.description)
    }

    /// A comma-separated list; items are trimmed and empty items dropped, as OpenDMARC's list
    /// splitting does.
    static func list<Element>(of element: ConfigurationValueSyntax<Element>) -> Self where Value == [Element] {
        Self(form: "\(element.form)[, ...]") { text, warnings throws(ConfigurationValueError) in
            var values: [Element] = []
            for item in text.split(separator: ",") {
                let trimmed = item.trimmingSpacesAndTabs
                guard !trimmed.isEmpty else { continue }
                values.append(try element.parse(trimmed, &warnings))
            }
            return values
        }
        format: { $0.map(element.format).joined(separator: ", ") }
    }

    /// A comma-separated list that names at least one item.
    static func nonEmptyList<Element>(of element: ConfigurationValueSyntax<Element>) -> Self where Value == [Element] {
        let list = Self.list(of: element)
        return Self(form: list.form, parse: { text, warnings throws(ConfigurationValueError) in
            let values = try list.parse(text, &warnings)
            guard !values.isEmpty else { throw ConfigurationValueError("names no \(element.form)") }
            return values
        }, format: list.format)
    }
}

extension StringProtocol {
    /// Without the spaces and tabs around it, the only blanks the OpenDMARC reader trims.
    var trimmingSpacesAndTabs: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

extension String {
    /// True for a DNS host name (RFC 1123 §2.1): dot-separated labels of letters, digits,
    /// hyphens and underscores, and not a string of digits and dots, which would be a bad address.
    var isHostName: Bool {
        let labels = split(separator: ".", omittingEmptySubsequences: false)
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return !isEmpty && utf8.count <= 253
            && labels.allSatisfy { !$0.isEmpty && $0.count <= 63 && $0.allSatisfy(allowed) }
            && !allSatisfy { $0.isNumber || $0 == "." }
    }
}
