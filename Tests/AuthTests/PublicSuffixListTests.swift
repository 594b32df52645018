import Auth
import Foundation
import Testing
import TestSupport

/// One `checkPublicSuffix('input', 'expected');` line of the list's own test vectors.
struct PublicSuffixVector: Sendable, CustomTestStringConvertible {
    var line: Int
    /// nil for the vectors' `null` input.
    var input: String?
    /// The registrable domain, nil when there is none.
    var expected: String?

    var testDescription: String { "line \(line): \(input ?? "null") → \(expected ?? "null")" }

    /// Reads `tests/test_psl.txt`: `//` lines are comments, every other line one call.
    static func load() throws -> [PublicSuffixVector] {
        let text = try Fixtures.text(Fixtures.corpus("publicsuffix/tests/test_psl.txt"))
        var vectors: [PublicSuffixVector] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("checkPublicSuffix(") else { continue }
            let arguments = trimmed.dropFirst("checkPublicSuffix(".count).prefix { $0 != ")" }
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            func value(_ argument: String) -> String? {
                argument == "null" ? nil : String(argument.dropFirst().dropLast())
            }
            vectors.append(PublicSuffixVector(line: number + 1, input: value(arguments[0]), expected: value(arguments[1])))
        }
        return vectors
    }
}

@Suite("Public Suffix List (RFC 7489 §3.2 Organizational Domain)")
struct PublicSuffixListTests {
    static let list = try! PublicSuffixList(contentsOfFile: Fixtures.corpus("publicsuffix/public_suffix_list.dat").path)
    static let vectors = try! PublicSuffixVector.load()

    @Test("the list's test vectors are all read (82 lines, 4 of them commented out)")
    func vectorsAreRead() {
        #expect(Self.vectors.count == 78)
    }

    @Test("registrable domain of each test vector", arguments: vectors)
    func registrableDomain(_ vector: PublicSuffixVector) {
        let found = Self.list.registrableDomain(of: vector.input ?? "")
        // IDN vectors expect U-labels; the list answers in A-label form (RFC 9989 §5.3.1).
        let expected = vector.expected.flatMap { DMARCDomainName.normalized($0) }
        #expect(found == expected)
    }

    @Test("a public suffix is its own Organizational Domain")
    func publicSuffixIsItsOwnOrganization() {
        #expect(Self.list.organizationalDomain(of: "co.uk") == "co.uk")
        #expect(Self.list.organizationalDomain(of: "mail.example.co.uk") == "example.co.uk")
    }

    @Test("wildcard and exception rules from a small list")
    func wildcardAndException() throws {
        let list = try PublicSuffixList(text: """
            // comment
            ck
            *.ck
            !www.ck
            公司.cn
            """)
        #expect(list.ruleCount == 4)
        #expect(list.registrableDomain(of: "a.b.test.ck") == "b.test.ck")
        #expect(list.registrableDomain(of: "test.ck") == nil)
        #expect(list.registrableDomain(of: "www.www.ck") == "www.ck")
        #expect(list.registrableDomain(of: "食狮.公司.cn") == "xn--85x722f.xn--55qx5d.cn")
    }

    @Test("a list without rules is refused")
    func emptyListIsRefused() {
        #expect(throws: PublicSuffixList.LoadError.self) { try PublicSuffixList(text: "// nothing here\n") }
    }

    @Test("Debian's packaged list loads and answers like the corpus copy",
          .enabled(if: FileManager.default.fileExists(atPath: PublicSuffixList.debianPath)))
    func debianList() throws {
        let list = try PublicSuffixList(contentsOfFile: PublicSuffixList.debianPath)
        #expect(list.ruleCount > 5000)
        #expect(list.registrableDomain(of: "www.example.co.uk") == "example.co.uk")
        #expect(list.registrableDomain(of: "a.b.city.kobe.jp") == "city.kobe.jp")
    }
}
