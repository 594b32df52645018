import Auth
import DNS
import Foundation
import TestSupport
import Testing
import Yams

/// One test of a pyspf-format suite (`rfc7208-tests.yml`, `rfc4408-tests.yml`), with the zone of
/// its scenario. Format and harness rules: corpus SOURCES.md §1.
struct SPFPySPFCase: Sendable, CustomTestStringConvertible {
    var suite: String
    var scenario: String
    var name: String
    var spec: String
    var helo: String
    var host: String
    var mailFrom: String
    /// Any of these passes.
    var results: [SPFResult]
    /// The expected explanation; "DEFAULT" means the record gave none (pyspf's harness sets
    /// that as its default explanation), nil means not checked.
    var explanation: String?
    var zone: SPFSuiteZone
    /// Set when a fixture replaces the suite's expectation, saying why.
    var replacedExpectation: String?

    var testDescription: String { "\(name) [\(scenario)]" }
}

/// Reads pyspf-format suites with Yams, keeping every scalar as the text it was written as.
enum SPFPySPFSuite {
    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    /// The tests of `spf-pyspf/<file>` in file order, with the expectations of
    /// `Tests/Fixtures/spf/<overridesFile>` (if given) put in place of the suite's.
    static func cases(_ file: String, overridesFile: String? = nil) throws -> [SPFPySPFCase] {
        let overrides = try overridesFile.map(SPFExpectationOverride.load) ?? [:]
        let documents = try Yams.compose_all(yaml: Fixtures.text(Fixtures.corpus("spf-pyspf/\(file)")))
        var cases: [SPFPySPFCase] = []
        for document in documents {
            guard let scenario = document.mapping else { continue }
            let description = scenario["description"]?.string ?? "?"
            let zone = try makeZone(scenario["zonedata"]?.mapping)
            for (nameNode, test) in scenario["tests"]?.mapping ?? [:] {
                guard let name = nameNode.string, let fields = test.mapping else {
                    throw FormatError(description: "\(file): a test that is not a mapping in \(description)")
                }
                var testCase = SPFPySPFCase(
                    suite: file, scenario: description, name: name, spec: fields["spec"]?.string ?? "",
                    helo: fields["helo"]?.string ?? "", host: fields["host"]?.string ?? "",
                    mailFrom: fields["mailfrom"]?.string ?? "", results: try results(fields["result"], in: name),
                    explanation: fields["explanation"]?.string, zone: zone)
                if let override = overrides[name] {
                    testCase.results = override.results
                    testCase.explanation = override.explanation ?? testCase.explanation
                    testCase.replacedExpectation = override.why
                }
                cases.append(testCase)
            }
        }
        if let error = documents.error { throw error }
        let unused = Set(overrides.keys).subtracting(cases.map(\.name))
        guard unused.isEmpty else { throw FormatError(description: "overrides name no test: \(unused.sorted())") }
        return cases
    }

    private static func results(_ node: Node?, in test: String) throws -> [SPFResult] {
        let words = node?.sequence.map { $0.compactMap(\.string) } ?? node?.string.map { [$0] } ?? []
        let results = words.compactMap { SPFResult(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        guard !results.isEmpty, results.count == words.count else {
            throw FormatError(description: "\(test): unreadable result \(words)")
        }
        return results
    }

    /// Builds the zone of a scenario by the pyspf driver's rules (corpus SOURCES.md §1): SPF
    /// entries are served as TXT unless the name has a TXT entry of its own (even `TXT: NONE`);
    /// a list is several strings of one record; `TIMEOUT` makes the name time out for the types
    /// not listed before it.
    static func makeZone(_ zonedata: Node.Mapping?) throws -> SPFSuiteZone {
        var zone = SPFSuiteZone()
        for (nameNode, entries) in zonedata ?? [:] {
            guard let name = nameNode.string else { throw FormatError(description: "zonedata name \(nameNode)") }
            var spfRecords: [TXTRecord] = []
            var hasOwnTXT = false
            var answeredBeforeTimeout: Set<DNSRecordType>?
            var answered: Set<DNSRecordType> = []
            for entry in entries.sequence ?? [] {
                if entry.string == "TIMEOUT" {
                    answeredBeforeTimeout = answered
                    continue
                }
                guard let pair = entry.mapping?.first, let type = pair.key.string else {
                    throw FormatError(description: "zonedata entry \(entry) at \(name)")
                }
                let value = pair.value
                let record: DNSRecord
                switch type {
                case "SPF":
                    if value.string != "NONE" { spfRecords.append(txt(value)) }
                    continue
                case "TXT":
                    hasOwnTXT = true
                    guard value.string != "NONE" else { continue }
                    record = .txt(txt(value))
                case "A", "AAAA":
                    guard let text = value.string, let address = IPAddress(text) else {
                        throw FormatError(description: "\(type) \(value) at \(name)")
                    }
                    record = type == "A" ? .a(address) : .aaaa(address)
                case "MX":
                    guard let pair = value.sequence, pair.count == 2,
                          let preference = pair[0].string.flatMap({ UInt16($0) }), let host = pair[1].string
                    else { throw FormatError(description: "MX \(value) at \(name)") }
                    record = .mx(MXRecord(preference: preference, exchange: host))
                case "PTR":
                    record = .ptr(value.string ?? "")
                case "CNAME":
                    zone.zone.addAlias(name, to: value.string ?? "")
                    continue
                default:
                    throw FormatError(description: "unknown zonedata type \(type) at \(name)")
                }
                zone.zone.add(record, at: name)
                answered.insert(record.type)
            }
            if !hasOwnTXT {
                for record in spfRecords { zone.zone.add(.txt(record), at: name) }
            }
            if let answeredBeforeTimeout { zone.timeouts[SPFSuiteZone.key(name)] = answeredBeforeTimeout }
        }
        return zone
    }

    /// A TXT value: one string, or a list of the character-strings of one record.
    private static func txt(_ node: Node) -> TXTRecord {
        let strings = node.sequence.map { $0.compactMap(\.string) } ?? [node.string ?? ""]
        return TXTRecord(strings: strings.map { Array($0.utf8) })
    }
}
