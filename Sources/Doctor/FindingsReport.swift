import Foundation

/// The doctor's findings as a terminal shows them and as JSON, grouped per domain with the
/// site-wide ones (Postfix, the resolver) first.
public struct FindingsReport: Sendable, Hashable, Codable {
    /// The findings about one domain, or the site (``domain`` nil).
    public struct Group: Sendable, Hashable, Codable {
        public var domain: String?
        public var findings: [Finding]
    }

    public var errors: Int
    public var warnings: Int
    public var groups: [Group]

    public init(_ findings: [Finding]) {
        errors = findings.filter { $0.level == .error }.count
        warnings = findings.filter { $0.level == .warn }.count
        var groups: [Group] = []
        for finding in findings {
            if let index = groups.firstIndex(where: { $0.domain == finding.domain }) {
                groups[index].findings.append(finding)
            } else {
                groups.append(Group(domain: finding.domain, findings: [finding]))
            }
        }
        self.groups = groups.filter { $0.domain == nil } + groups.filter { $0.domain != nil }
    }

    /// Text for a terminal: one heading per group, one line per finding with its level, then
    /// why and the fix indented under it.
    public var text: String {
        var lines: [String] = []
        for group in groups {
            if !lines.isEmpty { lines.append("") }
            lines.append(group.domain ?? "this host")
            for finding in group.findings {
                let marker = switch finding.level {
                case .ok: "  ok   "
                case .warn: "  WARN "
                case .error: "  ERROR"
                }
                lines.append("\(marker) \(finding.summary)  [\(finding.check)]")
                if let why = finding.why { lines.append("         why: \(why)") }
                if let fix = finding.fix { lines.append("         fix: \(fix)") }
            }
        }
        lines.append("")
        lines.append("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report as JSON: `errors`, `warnings` and the `groups` with their findings.
    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
