import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// Every aggregate report of the shared corpus (its SOURCES.md §4), in whatever container it
/// came, goes through `ReportIntake` into a real SQLite history: it is stored, or rejected for
/// the reason listed here.
@Suite struct ReportIngestCorpusTests {
    /// The folders of SOURCES.md §4 that hold aggregate reports, and the file endings taken.
    static let folders = [
        "bbustin-dmarc_aggregate_parser/sample-data", "cry-inc-dmarc-report-viewer/testdata/dmarc-reports",
        "ietf-dmarcbis/aggregate-reporting", "mail-dmarc/t/fixtures", "opendmarc/testfiles",
        "parsedmarc/samples/aggregate", "parsedmarc/samples/aggregate_invalid", "parsedmarc/samples/extract_report",
        "samuelba-dmarc-report-visualizer", "stalwart-mail-auth/resources/dmarc-feedback",
        "tierpod-dmarc-report-converter/testdata",
    ]
    static let endings = [".xml", ".gz", ".zip", ".eml"]

    /// The files not stored, each with (part of) its reason.
    static let rejected: [String: String] = [
        // AOL-style, `<header_from>example.com<foo`, and cut off in the middle of a record.
        "opendmarc/testfiles/bad.com!example.com!1337140800!1337227200.xml": "not well-formed XML (error 5 at line 6, column 181)",
        // An unescaped `<` in element text: where the element ends cannot be known.
        "parsedmarc/samples/aggregate/invalid_xml.xml": "not well-formed XML (error 5 at line 5, column 18)",
        "parsedmarc/samples/empty.xml": "the input is empty",
    ]

    static var corpusFiles: [String] {
        var files = ["parsedmarc/samples/empty.xml"]
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.corpus(folder).path)) ?? []
            files += names.filter { name in endings.contains { name.hasSuffix($0) } }.map { "\(folder)/\($0)" }
        }
        return files.sorted()
    }

    @Test func everyCorpusReportIsStoredOrRejectedWithItsReason() throws {
        let fixture = try IntakeFixture()
        var rejections: [String] = []
        var stored = 0
        let start = ContinuousClock.now
        for path in Self.corpusFiles {
            let bytes = Array(try Fixtures.data(Fixtures.corpus(path)))
            let results = try fixture.intake.ingest(bytes, source: path)
            let reasons = results.compactMap(\.rejectionReason)
            stored += results.filter { $0.rejectionReason == nil }.count
            if let expected = Self.rejected[path] {
                #expect(reasons.contains { $0.contains(expected) }, "\(path): \(results)")
            } else {
                #expect(reasons.isEmpty, "\(path): \(reasons)")
                #expect(!results.isEmpty, "\(path)")
            }
            for result in results {
                switch result {
                case .rejected(let origin, let reason): rejections.append("\(origin): \(reason)")
                case .stored(let report, let origin), .duplicate(let report, let origin):
                    print("ingested \(origin): \(report.metadata.orgName) \(report.metadata.reportID) \(report.records.count) records \(report.messageCount) messages")
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        print("corpus: \(Self.corpusFiles.count) files, \(stored) reports stored or duplicate in \(elapsed)")
        print("rejected:\n" + rejections.joined(separator: "\n"))
        #expect(Set(Self.rejected.keys).isSubset(of: Set(Self.corpusFiles)))
    }
}
