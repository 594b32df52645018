@testable import Auth
import DNS
import Foundation
import Testing
import TestSupport
import Yams

/// The validation tests of the ValiMail ARC test suite (SOURCES.md §6,
/// `arc-test-suite/tests/arc-draft-validation-tests.yml`): each scenario's `txt-records` as a
/// zone, each test's message with CRLF line ends, and the expected `cv`.
struct ARCValidationCase: Sendable, CustomTestStringConvertible {
    var scenario: String
    var name: String
    var message: String
    /// `Pass`, `Fail` or `None` as written; empty in three tests, read as `Fail` as other
    /// harnesses read it (SOURCES.md §6).
    var expected: ARCResult.Status
    var records: [String: String]

    var testDescription: String { "\(scenario)/\(name)" }

    var resolver: StaticResolver {
        DKIMTestDNS.resolver(records.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}

enum ARCValidationSuite {
    static let file = "arc-test-suite/tests/arc-draft-validation-tests.yml"

    /// Every test in file order; empty when the file cannot be read (which a test reports).
    static let cases: [ARCValidationCase] = (try? load()) ?? []

    static func load() throws -> [ARCValidationCase] {
        let text = uniqueTestNames(try Fixtures.text(Fixtures.corpus(file)))
        var cases: [ARCValidationCase] = []
        for document in try Yams.load_all(yaml: text) {
            guard let scenario = document as? [String: Any], let tests = scenario["tests"] as? [String: Any] else { continue }
            let title = (scenario["description"] as? String ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
            let records = (scenario["txt-records"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
            for (name, value) in tests {
                guard let test = value as? [String: Any] else { continue }
                let cv = (test["cv"] as? String ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                cases.append(ARCValidationCase(
                    scenario: title, name: name, message: test["message"] as? String ?? "",
                    expected: ARCResult.Status(rawValue: cv) ?? .fail, records: records))
            }
        }
        return cases.sorted { ($0.scenario, $0.name) < ($1.scenario, $1.name) }
    }

    /// The suite repeats four test names in the "Arc Seal Fields" scenario
    /// (`as_fields_b_head_case`, `_head_unfold`, `_eol_wsp`, `_inl_wsp`: first the AS, then
    /// the AMS variant). YAML forbids duplicate mapping keys and Yams refuses them, so the
    /// second of each gets a `#2` suffix and both are run.
    static func uniqueTestNames(_ text: String) -> String {
        var seen: Set<String> = []
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("---") { seen = [] }
            // A test key: two spaces of indentation, a name, a colon and nothing after it.
            if line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":"), !line.contains(" ", after: 2) {
                let name = String(line.dropFirst(2).dropLast())
                if !seen.insert(name).inserted {
                    lines.append("  \(name)#2:")
                    continue
                }
            }
            lines.append(String(line))
        }
        return lines.joined(separator: "\n")
    }
}

extension Substring {
    fileprivate func contains(_ character: Character, after offset: Int) -> Bool {
        dropFirst(offset).contains(character)
    }
}
