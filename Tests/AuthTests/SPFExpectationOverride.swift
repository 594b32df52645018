import Auth
import TestSupport
import Yams

/// A suite case whose expected result a fixture replaces, because the suite follows a rule RFC
/// 7208 does not (see the fixture's comments and `Tests/Fixtures/spf/PROVENANCE.md`).
struct SPFExpectationOverride: Sendable {
    var results: [SPFResult]
    var explanation: String?
    /// What the suite expected, the RFC sections that decide, and why.
    var why: String

    /// Reads `Tests/Fixtures/spf/<file>`: a YAML list of mappings with `case` (the test's name),
    /// `result` (a word or a list), optional `explanation`, `suite-expects`, `sections` and `why`.
    static func load(_ file: String) throws -> [String: SPFExpectationOverride] {
        guard let list = try Yams.compose(yaml: Fixtures.text(Fixtures.url("spf/\(file)")))?.sequence else {
            throw SPFPySPFSuite.FormatError(description: "\(file) is not a YAML list")
        }
        var overrides: [String: SPFExpectationOverride] = [:]
        for item in list {
            guard let fields = item.mapping, let name = fields["case"]?.string,
                  let suiteExpects = fields["suite-expects"]?.string,
                  let sections = fields["sections"]?.string, let why = fields["why"]?.string
            else { throw SPFPySPFSuite.FormatError(description: "\(file): incomplete entry \(item)") }
            let words = fields["result"]?.sequence.map { $0.compactMap(\.string) } ?? fields["result"]?.string.map { [$0] } ?? []
            let results = words.compactMap(SPFResult.init(rawValue:))
            guard !results.isEmpty, results.count == words.count else {
                throw SPFPySPFSuite.FormatError(description: "\(file): \(name) has an unreadable result")
            }
            overrides[name] = SPFExpectationOverride(
                results: results, explanation: fields["explanation"]?.string,
                why: "suite expects \(suiteExpects); \(sections): \(why)")
        }
        return overrides
    }
}
