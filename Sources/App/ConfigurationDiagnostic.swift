/// A problem found while reading the configuration, with where it is and why it matters.
///
/// Printed the way compilers print theirs, so editors and `grep` find the line:
/// `/etc/dmarcd/dmarcd.conf:12: error: unknown key "Sokcet"; did you mean "Socket"?`
public struct ConfigurationDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Whether the problem stops dmarcd from using the configuration.
    public enum Severity: String, Sendable, Hashable {
        /// The configuration cannot be used; dmarcd does not start with it.
        case error
        /// The configuration loads; the line is worth changing.
        case warning
    }

    /// Where the problem was written.
    public enum Location: Sendable, Hashable, CustomStringConvertible {
        /// A line of a file; `line` is `nil` when the file as a whole is the problem.
        case file(path: String, line: Int?)
        /// A `Key=Value` override given on the command line.
        case commandLine

        /// `path:line`, `path`, or `command line`.
        public var description: String {
            switch self {
            case .file(let path, let line?): "\(path):\(line)"
            case .file(let path, nil): path
            case .commandLine: "command line"
            }
        }
    }

    /// Error or warning.
    public var severity: Severity
    /// The file and line, or the command line.
    public var location: Location
    /// The reason, naming the key it concerns.
    public var message: String

    /// A diagnostic of `severity` at `location`.
    public init(_ severity: Severity, at location: Location, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    /// `LOCATION: error|warning: reason`.
    public var description: String {
        "\(location): \(severity.rawValue): \(message)"
    }
}
