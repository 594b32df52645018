import Auth
import DNS
import Foundation
import TestSupport
import Testing

/// One `expect:` line of stalwart's `resources/spf/*.yml`, with the zone as it stood then.
struct SPFStalwartCase: Sendable, CustomTestStringConvertible {
    var file: String
    var scenario: String
    /// The test's number within its `---` document, counted from 1 as stalwart's runner does.
    var number: Int
    var helo: String
    var mailFrom: String
    var host: String
    var results: [SPFResult]
    var explanation: String?
    var zone: SPFSuiteZone
    var replacedExpectation: String?

    /// The key fixtures use for this case: `file/scenario/#number`.
    var key: String { "\(file)/\(scenario)/#\(number)" }
    var testDescription: String { key }
}

/// Reads stalwart's SPF dialect line by line, as its own runner does: the `records` keys repeat
/// (`spf:`, `exp:`, `a:`, `aaaa:`, `mx:`, `ptr:`), so strict YAML parsers reject these files.
///
/// The runner's rules, kept here: records belong to the file, not the `---` document, and a
/// later line for the same name and type replaces the earlier one; `domain:` is the HELO name,
/// `sender:` the MAIL FROM; `mx:` lists addresses, served as MX names `mx.<ip>.<n>` that
/// resolve to them; `ptr:` is keyed by address; the check is HELO first and MAIL FROM only when
/// HELO passes; `_dns_error` domains fail (stalwart's runs resolved them live).
enum SPFStalwartSuite {
    static let files = [
        "a", "all", "basic", "examples", "exists", "exp", "include", "ip", "macro", "mx", "ptr", "redirect",
    ]

    static func allCases(overridesFile: String) throws -> [SPFStalwartCase] {
        let overrides = try SPFExpectationOverride.load(overridesFile)
        var cases: [SPFStalwartCase] = []
        for file in files { cases += try self.cases(in: "\(file).yml") }
        for index in cases.indices {
            guard let override = overrides[cases[index].key] else { continue }
            cases[index].results = override.results
            cases[index].explanation = override.explanation ?? cases[index].explanation
            cases[index].replacedExpectation = override.why
        }
        let unused = Set(overrides.keys).subtracting(cases.map(\.key))
        guard unused.isEmpty else {
            throw SPFPySPFSuite.FormatError(description: "overrides name no test: \(unused.sorted())")
        }
        return cases
    }

    /// The records of one file as they stand at some line.
    private struct Records {
        var txt: [String: String] = [:]
        var a: [String: [IPAddress]] = [:]
        var aaaa: [String: [IPAddress]] = [:]
        var mx: [String: [IPAddress]] = [:]
        var ptr: [String: [String]] = [:]

        var zone: SPFSuiteZone {
            var zone = SPFSuiteZone(serverFailurePrefix: "_dns_error")
            for (name, text) in txt {
                // Real TXT records hold character-strings of at most 255 bytes (RFC 1035 §3.3).
                let bytes = Array(text.utf8)
                let strings = stride(from: 0, to: max(bytes.count, 1), by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) }
                zone.zone.add(.txt(TXTRecord(strings: strings)), at: name)
            }
            for (name, addresses) in a { addresses.forEach { zone.zone.add(.a($0), at: name) } }
            for (name, addresses) in aaaa { addresses.forEach { zone.zone.add(.aaaa($0), at: name) } }
            for (name, addresses) in mx {
                for (position, address) in addresses.enumerated() {
                    let exchange = "mx.\(address).\(position)"
                    zone.zone.add(.mx(MXRecord(preference: UInt16(position + 1), exchange: exchange)), at: name)
                    zone.zone.add(address.isIPv4 ? .a(address) : .aaaa(address), at: exchange)
                }
            }
            for (address, names) in ptr {
                guard let address = IPAddress(address) else { continue }
                names.forEach { zone.zone.add(.ptr($0), at: address.reverseName) }
            }
            return zone
        }
    }

    static func cases(in file: String) throws -> [SPFStalwartCase] {
        let text = try Fixtures.text(Fixtures.corpus("stalwart-mail-auth/resources/spf/\(file)"))
        var records = Records()
        var cases: [SPFStalwartCase] = []
        for document in text.components(separatedBy: "---\n") {
            var scenario = ""
            var (helo, mailFrom, host) = ("", "", "127.0.0.1")
            var number = 0
            for rawLine in document.split(separator: "\n", omittingEmptySubsequences: false) {
                var line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("-") { line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces) }
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon]
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                let (name, data) = split(value)
                switch key {
                case "name": scenario = value
                case "spf", "exp": records.txt[name] = data
                case "a": records.a[name] = addresses(data)
                case "aaaa": records.aaaa[name] = addresses(data)
                case "mx": records.mx[name] = addresses(data)
                case "ptr": records.ptr[name] = data.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                case "domain": helo = value
                case "sender": mailFrom = value
                case "ip": host = value
                case "expect":
                    number += 1
                    guard let result = SPFResult(rawValue: name) else {
                        throw SPFPySPFSuite.FormatError(description: "\(file): unreadable expect \"\(value)\"")
                    }
                    cases.append(SPFStalwartCase(
                        file: file, scenario: scenario, number: number, helo: helo, mailFrom: mailFrom, host: host,
                        results: [result], explanation: data.isEmpty ? nil : data, zone: records.zone))
                default: continue
                }
            }
        }
        return cases
    }

    /// `<first word> <rest>`, both trimmed.
    private static func split(_ value: String) -> (String, String) {
        guard let space = value.firstIndex(of: " ") else { return (value, "") }
        return (String(value[..<space]), value[value.index(after: space)...].trimmingCharacters(in: .whitespaces))
    }

    private static func addresses(_ list: String) -> [IPAddress] {
        list.split(separator: ",").compactMap { IPAddress($0.trimmingCharacters(in: .whitespaces)) }
    }
}
