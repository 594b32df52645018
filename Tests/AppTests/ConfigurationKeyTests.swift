import Testing

@testable import App

/// The table of keys: complete, consistent, and forgiving of typos.
@Suite struct ConfigurationKeyTests {
    @Test func everyKeyIsDocumented() {
        for key in ConfigurationKey.all {
            #expect(!key.form.isEmpty && !key.summary.isEmpty, "\(key.name)")
            switch key.status {
            case .supported:
                // A key either has a default or says what leaving it out means, with an example
                #expect((key.defaultValue == nil) == (key.whenUnset != nil && key.example != nil), "\(key.name)")
            case .notNeeded(let reason):
                #expect(!reason.isEmpty && key.example != nil, "\(key.name)")
            }
        }
    }

    @Test func everyExampleIsAValidValue() {
        for key in ConfigurationKey.all {
            guard let example = key.example else { continue }
            let parser = ConfigurationParser.parsed("\(key.name) \(example)", file: "example")
            #expect(!parser.hasErrors, "\(key.name): \(parser.diagnostics)")
        }
    }

    @Test func namesAndFormerNamesAreUniqueIgnoringCase() {
        let names = ConfigurationKey.all.flatMap { [$0.name] + $0.formerNames }.map { $0.lowercased() }
        #expect(Set(names).count == names.count)
    }

    @Test(arguments: [
        ("Sokcet", "Socket"),
        ("RejectFailure", "RejectFailures"),
        ("IgnoreAuthenticatedClient", "IgnoreAuthenticatedClients"),
        ("TrustedAuthServID", "TrustedAuthservIDs"),
        ("LogLvl", "LogLevel"),
        ("ForensicReport", "ForensicReports"),
    ])
    func aMisspeltNameSuggestsTheClosestKey(written: String, suggested: String) {
        #expect(ConfigurationKey.suggestion(for: written) == suggested)
    }

    @Test func aNameFarFromEveryKeySuggestsNothing() {
        #expect(ConfigurationKey.suggestion(for: "Colour") == nil)
        #expect(ConfigurationKey.suggestion(for: "MaximumMessageSize") == nil)
    }

    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        #expect(ConfigurationKey.editDistance(Array("socket"), Array("socket")) == 0)
        #expect(ConfigurationKey.editDistance(Array("sokcet"), Array("socket")) == 2)
        #expect(ConfigurationKey.editDistance(Array(""), Array("umask")) == 5)
        #expect(ConfigurationKey.editDistance(Array("kitten"), Array("sitting")) == 3)
    }
}
