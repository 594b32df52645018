#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads `dmarcd.conf` (or an existing `opendmarc.conf`) and command-line overrides into a
/// ``Configuration``, collecting every problem rather than stopping at the first.
///
/// The line format is OpenDMARC's, as its reader (shared with OpenDKIM) handles it:
/// - A `#` anywhere ends the line: everything from it on is a comment, also in the middle of a
///   value. There is no escape for it and no quoting; quote characters are kept as part of the
///   value (dmarcd warns about a value wrapped in double quotes, since that is rarely meant).
/// - The key is the first run of characters up to a space or tab and is matched without regard
///   to case; the value is the rest of the line with spaces and tabs trimmed from both ends.
///   A key without a value is an error, as it is for OpenDMARC.
/// - Lines may end in CR LF; like OpenDKIM, a carriage return ends the line.
/// - When a key is given twice, the later line wins (OpenDMARC returns the last one it read).
///
/// ```swift
/// let result = ConfigurationParser.load(file: "/etc/dmarcd/dmarcd.conf", overrides: ["LogLevel=debug"])
/// result.diagnostics.forEach { print($0) }
/// guard !result.hasErrors else { ... }
/// start(with: result.configuration)
/// ```
public struct ConfigurationParser: Sendable {
    /// A configuration file is a few kilobytes; anything past this is not one.
    public static let maximumFileSize = 1 << 20

    /// The configuration so far: the starting point with every valid line applied.
    public private(set) var configuration: Configuration
    /// Errors and warnings in the order they were found.
    public private(set) var diagnostics: [ConfigurationDiagnostic] = []

    /// Where each key was last set in the file being read, to warn about one given twice.
    private var lineOfKey: [String: Int] = [:]
    private var keysOnCommandLine: Set<String> = []

    /// Starts from `configuration`, usually the defaults.
    public init(startingFrom configuration: Configuration = .defaults) {
        self.configuration = configuration
    }

    /// Reads the file at `path` onto the defaults, then applies the `Key=Value` overrides.
    public static func load(file path: String, overrides: [String] = []) -> ConfigurationParser {
        var parser = ConfigurationParser()
        parser.load(file: path)
        overrides.forEach { parser.applyOverride($0) }
        parser.checkStatusPageAccess(file: path)
        return parser
    }

    /// A status page beyond the loopback interface shows the history to the network: it needs a
    /// password, or an explicit word that something else guards it.
    mutating func checkStatusPageAccess(file path: String) {
        let location = ConfigurationDiagnostic.Location.file(path: path, line: lineOfKey["HTTPListen"])
        switch (configuration.httpUser, configuration.httpPasswordHash) {
        case (nil, _?), (_?, nil):
            diagnostics.append(ConfigurationDiagnostic(
                .error, at: location, "HTTPUser and HTTPPasswordHash go together: set both or neither"))
        case (nil, nil):
            guard let address = configuration.httpListenAddress, !address.isLoopback,
                  !configuration.httpAllowUnauthenticated else { return }
            diagnostics.append(ConfigurationDiagnostic(.error, at: location, """
                HTTPListen \(address) is reachable from other hosts: set HTTPUser and HTTPPasswordHash \
                (dmarcd password-hash makes the hash), or HTTPAllowUnauthenticated yes if something else guards it
                """))
        case (_?, _?):
            return
        }
    }

    /// True when any problem makes the configuration unusable.
    public var hasErrors: Bool {
        diagnostics.contains { $0.severity == .error }
    }

    /// Reads the file at `path`; a file that cannot be read is one error naming the file.
    public mutating func load(file path: String) {
        do {
            parse(try Self.contents(ofFile: path), file: path)
        } catch {
            diagnostics.append(ConfigurationDiagnostic(.error, at: .file(path: path, line: nil), error.reason))
        }
    }

    /// Reads configuration text; `path` names it in diagnostics.
    public mutating func parse(_ text: String, file path: String) {
        lineOfKey = [:]
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, bytes) in lines.enumerated() {
            let line = Substring(bytes).prefix { $0 != "#" && $0 != "\r" }
            let content = line.trimmingSpacesAndTabs
            guard !content.isEmpty else { continue }
            let keyEnd = content.firstIndex { $0 == " " || $0 == "\t" } ?? content.endIndex
            let key = String(content[..<keyEnd])
            let value = content[keyEnd...].trimmingSpacesAndTabs
            set(key, to: value, at: .file(path: path, line: index + 1))
        }
    }

    /// Applies one `Key=Value` override from the command line, checked like a line of the file.
    public mutating func applyOverride(_ assignment: String) {
        guard let equals = assignment.firstIndex(of: "=") else {
            diagnostics.append(ConfigurationDiagnostic(.error, at: .commandLine, "\"\(assignment)\" is not Key=Value"))
            return
        }
        let key = assignment[..<equals].trimmingSpacesAndTabs
        let value = assignment[assignment.index(after: equals)...].trimmingSpacesAndTabs
        // A value the file could not hold would not survive being written out and read back.
        guard !value.contains(where: { $0 == "#" || $0.isNewline }) else {
            let reason = "a value cannot hold # or a line break, which a configuration line cannot"
            diagnostics.append(ConfigurationDiagnostic(.error, at: .commandLine, "\(key): \(reason)"))
            return
        }
        set(key, to: value, at: .commandLine)
    }

    private mutating func set(_ written: String, to value: String, at location: ConfigurationDiagnostic.Location) {
        func report(_ severity: ConfigurationDiagnostic.Severity, _ message: String) {
            diagnostics.append(ConfigurationDiagnostic(severity, at: location, message))
        }
        guard let match = ConfigurationKey.named(written) else {
            report(.error, Self.unknownKeyMessage(written))
            return
        }
        let key = match.key
        guard !value.isEmpty else {
            report(.error, "\(key.name) has no value")
            return
        }
        if let former = match.formerName {
            report(.warning, "\(former) is the old name of \(key.name); write \(key.name)")
        }
        if case .notNeeded(let reason) = key.status {
            report(.warning, "\(key.name): \(reason)")
            return
        }
        if !key.isRepeated, let duplicate = noteSetting(of: key, at: location) {
            report(.warning, duplicate)
        }
        if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") {
            report(.warning,
                   "\(key.name): the quotes are part of the value, as in OpenDMARC; remove them unless they are meant")
        }
        var warnings: [String] = []
        do {
            try key.apply(value, to: &configuration, warnings: &warnings)
        } catch {
            report(.error, "\(key.name): \(error.reason)")
        }
        warnings.forEach { report(.warning, "\(key.name): \($0)") }
    }

    /// Remembers where a key was set; says so when it was already set in the same place (an
    /// override of a file's value is what overrides are for).
    private mutating func noteSetting(
        of key: ConfigurationKey, at location: ConfigurationDiagnostic.Location
    ) -> String? {
        switch location {
        case .file(_, let line?):
            defer { lineOfKey[key.name] = line }
            return lineOfKey[key.name].map { "\(key.name) is also set on line \($0); this later line wins" }
        case .file(_, nil):
            return nil
        case .commandLine:
            guard !keysOnCommandLine.insert(key.name).inserted else { return nil }
            return "\(key.name) is given more than once; the last one wins"
        }
    }

    private static func unknownKeyMessage(_ written: String) -> String {
        if let equals = written.firstIndex(of: "="), let match = ConfigurationKey.named(String(written[..<equals])) {
            return "\"\(written)\": separate \(match.key.name) from its value with a space, not ="
        }
        if let suggestion = ConfigurationKey.suggestion(for: written) {
            return "unknown key \"\(written)\"; did you mean \"\(suggestion)\"?"
        }
        return "unknown key \"\(written)\""
    }

    /// The file's text, or why it cannot be had.
    private static func contents(ofFile path: String) throws(ConfigurationValueError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ConfigurationValueError("cannot open the configuration file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ConfigurationValueError("cannot read the configuration file: \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw ConfigurationValueError("is not a regular file")
        }
        guard status.st_size <= maximumFileSize else {
            throw ConfigurationValueError(
                "is \(status.st_size) bytes, more than the \(maximumFileSize) a configuration file may have")
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes[filled...].withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw ConfigurationValueError("cannot read the configuration file: \(String(cString: strerror(errno)))")
            }
            guard count > 0 else { break }
            filled += count
        }
        return String(decoding: bytes[..<filled], as: UTF8.self)
    }
}
