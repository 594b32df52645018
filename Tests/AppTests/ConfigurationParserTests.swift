import Foundation
import Testing

@testable import App

/// The line format of `opendmarc.conf` as dmarcd reads it, and how problems are reported.
@Suite struct ConfigurationParserTests {
    @Test func anEmptyFileGivesTheDefaults() {
        let result = ConfigurationParser.parsed("")
        #expect(result.configuration == .defaults)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func keyAndValueAreSeparatedBySpacesOrTabsAndTrimmed() {
        let result = ConfigurationParser.parsed("Socket \t inet:9999@127.0.0.1 \t\nReportCommand\t/usr/sbin/sendmail -t -i  \n")
        #expect(result.configuration.sockets == [.inet(host: "127.0.0.1", port: 9999)])
        #expect(result.configuration.reportCommand == "/usr/sbin/sendmail -t -i")
        #expect(result.diagnostics.isEmpty)
    }

    @Test func keysMatchWithoutRegardToCase() {
        let result = ConfigurationParser.parsed("rejectfailures true\nUSERID opendmarc\n")
        #expect(result.configuration.rejectFailures)
        #expect(result.configuration.userID == Configuration.UserID(user: "opendmarc"))
        #expect(result.diagnostics.isEmpty)
    }

    @Test func commentsAndBlankLinesAreSkipped() {
        let result = ConfigurationParser.parsed("# a comment\n\n   \n\t# indented comment\nSoftwareHeader yes\n")
        #expect(result.configuration.softwareHeader)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func aHashInTheMiddleOfALineStartsAComment() {
        // Given a value followed by a comment, as OpenDMARC's reader cuts every line at its first #
        let result = ConfigurationParser.parsed("RejectString no entry for %s # our wording\n")
        // Then the value ends before the #, trimmed
        #expect(result.configuration.rejectString == "no entry for %s")
    }

    @Test func quotesStayPartOfTheValueWithAWarning() {
        let result = ConfigurationParser.parsed("RejectString \"go away\"\n")
        #expect(result.configuration.rejectString == "\"go away\"")
        #expect(result.diagnostics.map(\.description) == [
            "test.conf:1: warning: RejectString: the quotes are part of the value, as in OpenDMARC; remove them unless they are meant",
        ])
    }

    @Test func linesMayEndInCRLF() {
        let result = ConfigurationParser.parsed("AuthservID mx.example.com\r\nRejectFailures true\r\n")
        #expect(result.configuration.authservID == "mx.example.com")
        #expect(result.configuration.rejectFailures)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func booleansAcceptTrueFalseYesNoOneAndZeroInAnyCase() {
        for (text, expected) in [("TRUE", true), ("Yes", true), ("1", true), ("false", false), ("NO", false), ("0", false)] {
            let result = ConfigurationParser.parsed("RecordAllMessages \(text)\n")
            #expect(result.configuration.recordAllMessages == expected, "\(text)")
            #expect(result.diagnostics.isEmpty, "\(text)")
        }
    }

    @Test func aBooleanOpenDMARCReadsByItsFirstLetterLoadsWithAWarning() {
        let result = ConfigurationParser.parsed("RejectFailures Tru\n")
        #expect(result.configuration.rejectFailures)
        #expect(result.diagnostics.map(\.description) == [
            "test.conf:1: warning: RejectFailures: \"Tru\" is read as true because OpenDMARC looks only at its first letter; write true",
        ])
    }

    @Test func aKeyWithoutAValueIsAnError() {
        let result = ConfigurationParser.parsed("AuthservID\n")
        #expect(result.diagnostics.map(\.description) == ["test.conf:1: error: AuthservID has no value"])
    }

    @Test func anUnknownKeyIsAnErrorWithASuggestion() {
        let result = ConfigurationParser.parsed("Sokcet inet:8893@127.0.0.1\n")
        #expect(result.hasErrors)
        #expect(result.diagnostics.map(\.description) == [
            "test.conf:1: error: unknown key \"Sokcet\"; did you mean \"Socket\"?",
        ])
    }

    @Test func anUnknownKeyFarFromAnyNameGetsNoSuggestion() {
        let result = ConfigurationParser.parsed("Colour blue\n")
        #expect(result.diagnostics.map(\.description) == ["test.conf:1: error: unknown key \"Colour\""])
    }

    @Test func keyEqualsValueIsExplained() {
        let result = ConfigurationParser.parsed("LogLevel=debug\n")
        #expect(result.diagnostics.map(\.description) == [
            "test.conf:1: error: \"LogLevel=debug\": separate LogLevel from its value with a space, not =",
        ])
    }

    @Test func everyProblemInAFileIsReportedWithItsLine() {
        // Given a file with three bad lines between good ones
        let result = ConfigurationParser.parsed("""
            Socket inet:8893@127.0.0.1
            RejectFailurs true
            LogLevel loud
            SoftwareHeader true
            DNSTimeout soon
            """)
        // Then each is reported, in order, and the good lines still take effect
        #expect(result.diagnostics.filter { $0.severity == .error }.map(\.location) == [
            .file(path: "test.conf", line: 2), .file(path: "test.conf", line: 3), .file(path: "test.conf", line: 5),
        ])
        #expect(result.configuration.softwareHeader)
    }

    @Test func aKeyGivenTwiceWarnsAndTheLaterLineWins() {
        let result = ConfigurationParser.parsed("LogLevel debug\nlogLevel error\n")
        #expect(result.configuration.logLevel == .error)
        #expect(!result.hasErrors)
        #expect(result.diagnostics.map(\.description) == [
            "test.conf:2: warning: LogLevel is also set on line 1; this later line wins",
        ])
    }

    @Test func aFormerNameSetsTheCurrentKeyWithAWarning() {
        let result = ConfigurationParser.parsed("ForensicReports true\n")
        #expect(result.configuration.failureReports)
        #expect(result.diagnostics.map(\.description) == [
            "test.conf:1: warning: ForensicReports is the old name of FailureReports; write FailureReports",
        ])
    }

    @Test func aKeyDmarcdDoesNotNeedLoadsWithAWarningSayingWhy() {
        let result = ConfigurationParser.parsed("Background true\n")
        #expect(!result.hasErrors)
        #expect(result.configuration == .defaults)
        #expect(result.diagnostics.map(\.description) == [
            "test.conf:1: warning: Background: dmarcd runs in the foreground under systemd; remove this line",
        ])
    }

    @Test func everyOpenDMARCKeyIsRecognized() {
        // Every key of opendmarc.conf 1.4.2 and the develop branch (OPENDMARC.md (b)), with the
        // names it had before 1.3.0
        let names = """
            AuthservID AuthservIDWithJobID AutoRestart AutoRestartCount AutoRestartRate Background
            BaseDirectory ChangeRootDirectory CopyFailuresTo DNSTimeout DomainWhitelist
            DomainWhitelistFile DomainWhitelistSize EnableCoredumps FailureReports FailureReportsBcc
            FailureReportsOnNone FailureReportsSentBy HistoryFile HoldQuarantinedMessages
            IgnoreAuthenticatedClients IgnoreHosts IgnoreMailFrom IgnoreMailTo MilterDebug NoReportsList
            PidFile PublicSuffixList RecordAllMessages RejectFailures RejectMultiValueFrom RejectString
            ReportCommand RequiredFrom RequiredHeaders Socket SoftwareHeader SPFIgnoreResults
            SPFSelfValidate Syslog SyslogFacility TemporaryDirectory TestDNSData TrustedAuthservIDs UMask
            Userid DMARCbisWalkMode DMARCbisWalkModeFallback ForensicReports ForensicReportsBcc
            ForensicReportsOnNone ForensicReportsSentBy
            """.split(whereSeparator: \.isWhitespace)
        for name in names {
            #expect(ConfigurationKey.named(String(name)) != nil, "\(name)")
        }
    }

    @Test func anOverrideFromTheCommandLineReplacesTheFilesValue() {
        var parser = ConfigurationParser.parsed("LogLevel info\n")
        parser.applyOverride("loglevel = debug")
        #expect(parser.configuration.logLevel == .debug)
        #expect(parser.diagnostics.isEmpty)
    }

    @Test func aBadOverrideIsReportedAsFromTheCommandLine() {
        var parser = ConfigurationParser()
        parser.applyOverride("RejectFailures=maybe")
        parser.applyOverride("Verbose")
        #expect(parser.diagnostics.map(\.description) == [
            "command line: error: RejectFailures: \"maybe\" is not a boolean; use true, false, yes, no, 1 or 0",
            "command line: error: \"Verbose\" is not Key=Value",
        ])
    }

    @Test func anOverrideCannotHoldAHash() {
        var parser = ConfigurationParser()
        parser.applyOverride("RejectString=rejected #1")
        #expect(parser.diagnostics.map(\.description) == [
            "command line: error: RejectString: a value cannot hold # or a line break, which a configuration line cannot",
        ])
    }

    @Test func aMissingFileIsOneErrorNamingIt() {
        let result = ConfigurationParser.load(file: "/nonexistent/dmarcd.conf")
        #expect(result.diagnostics.map(\.description) == [
            "/nonexistent/dmarcd.conf: error: cannot open the configuration file: No such file or directory",
        ])
    }

    @Test func aDirectoryIsNotAConfigurationFile() {
        let result = ConfigurationParser.load(file: NSTemporaryDirectory())
        #expect(result.diagnostics.map(\.message) == ["is not a regular file"])
    }
}
