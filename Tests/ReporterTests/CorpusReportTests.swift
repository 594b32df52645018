import Foundation
import Reporter
import Testing
import TestSupport

/// Real aggregate reports from many reporters (the shared corpus, see its SOURCES.md §4): each
/// reads, or is refused for the reason it deserves.
@Suite struct CorpusReportTests {
    enum Expected: Sendable {
        /// Reads with this many records and messages.
        case reads(records: Int, messages: Int)
        /// Is refused with an error containing this text.
        case refused(String)
    }

    /// Every XML, and gzip-wrapped XML, aggregate report in the corpus. The `.zip` copies and the
    /// reports inside `.eml` messages need unpacking that is not the reader's job; they are
    /// listed in ``unpackedElsewhere``.
    static let expectations: [String: Expected] = [
        "bbustin-dmarc_aggregate_parser/sample-data/dmarc.xml": .reads(records: 1, messages: 1),  // encoding="windows-1252", unused ns1 prefix
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/acme.xml": .reads(records: 1, messages: 2),
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/aol.xml": .reads(records: 1, messages: 1),
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/gmxnet.xml": .reads(records: 1, messages: 1),
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/google.xml": .reads(records: 1, messages: 1),
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/hardfail.xml": .reads(records: 1, messages: 1),
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/mailru.xml": .reads(records: 1, messages: 1),  // one line, single-quoted XML declaration
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/outlook.xml": .reads(records: 2, messages: 3),  // xmlns:xsd and xmlns:xsi on <feedback>
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/solamora.xml": .reads(records: 1, messages: 2),
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/webde.xml": .reads(records: 1, messages: 1),
        "cry-inc-dmarc-report-viewer/testdata/dmarc-reports/yahoo.xml": .reads(records: 1, messages: 1),
        "ietf-dmarcbis/aggregate-reporting/dmarc-xml-0.2.xml": .reads(records: 1, messages: 123),
        "ietf-dmarcbis/aggregate-reporting/dmarc-xmlalt-0.2.xml": .reads(records: 1, messages: 123),  // the drafts' namespace http://dmarc.org/dmarc-xml/0.2
        "mail-dmarc/t/fixtures/test_dmarc.xml.gz": .reads(records: 1, messages: 1),
        "mail-dmarc/t/fixtures/test_dmarc.xml": .reads(records: 1, messages: 1),
        "opendmarc/testfiles/163.com!example.com!1337270400!1337356799.20120518163.xml": .reads(records: 50, messages: 92),
        "opendmarc/testfiles/bad.com!example.com!1337140800!1337227200.xml": .refused("not well-formed XML (error 5 at line 6, column 181)"),  // AOL-style: `<header_from>example.com<foo`, truncated
        "opendmarc/testfiles/good.com!example.com!1337270400!1337356799.xml": .reads(records: 754, messages: 183934),  // 497 KB
        "opendmarc/testfiles/yeah.net!example.com!1337270400!1337356799.20120518.xml": .reads(records: 254, messages: 21679),
        "parsedmarc/samples/aggregate/!example.com!1538204542!1538463818.xml": .reads(records: 1, messages: 1),
        "parsedmarc/samples/aggregate/!large-example.com!1711897200!1711983600.xml": .reads(records: 2286, messages: 2286),  // 909 KB, empty org_name
        "parsedmarc/samples/aggregate/addisonfoods.com!example.com!1536105600!1536191999.xml": .reads(records: 1, messages: 1),
        "parsedmarc/samples/aggregate/empty_reason.xml": .reads(records: 1, messages: 2),  // an empty <reason>
        "parsedmarc/samples/aggregate/example.net!example.com!1529366400!1529452799.xml": .reads(records: 1, messages: 1),
        "parsedmarc/samples/aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz": .reads(records: 1, messages: 1),
        "parsedmarc/samples/aggregate/ikea.com!example.de!1538690400!1538776800.xml": .reads(records: 1, messages: 1),  // an unclosed <xs:schema> start tag before <feedback>, dropped
        "parsedmarc/samples/aggregate/invalid_utf_8.xml": .reads(records: 1, messages: 1),  // byte 0x91 in a UTF-8 document, read as windows-1252
        "parsedmarc/samples/aggregate/invalid_xml.xml": .refused("not well-formed XML (error 5 at line 5, column 18)"),  // an unescaped < in element text
        "parsedmarc/samples/aggregate/old_draft_from_wiki.xml": .reads(records: 1, messages: 2),  // pre-RFC draft, no selector
        "parsedmarc/samples/aggregate/protection.outlook.com!example.com!1711756800!1711843200.xml": .reads(records: 1, messages: 1),
        "parsedmarc/samples/aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml": .reads(records: 2, messages: 7),  // <version>2.0, np, discovery_method, testing=y
        "parsedmarc/samples/aggregate/rfc9990-sample.xml": .reads(records: 1, messages: 123),
        "parsedmarc/samples/aggregate/usssa.com!example.com!1538784000!1538870399.xml": .reads(records: 2, messages: 2),
        "parsedmarc/samples/aggregate/veeam.com!example.com!1530133200!1530219600.xml": .reads(records: 1, messages: 1),
        "parsedmarc/samples/aggregate_invalid/report_with_upper_cased_pass.xml": .reads(records: 1, messages: 1),  // "Pass" in upper case
        "parsedmarc/samples/empty.xml": .refused("the document is empty"),  // 0 bytes
        "parsedmarc/samples/extract_report/changed-input.xml": .reads(records: 20, messages: 3047),
        "parsedmarc/samples/extract_report/nice-input.xml.gz": .reads(records: 20, messages: 3047),
        "parsedmarc/samples/extract_report/nice-input.xml": .reads(records: 20, messages: 3047),
        "samuelba-dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml.gz": .reads(records: 8, messages: 11),
        "samuelba-dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml": .reads(records: 8, messages: 11),
        "stalwart-mail-auth/resources/dmarc-feedback/001.xml": .reads(records: 1, messages: 123),  // unknown extension elements
        "stalwart-mail-auth/resources/dmarc-feedback/002.xml": .reads(records: 1, messages: 2),
        "stalwart-mail-auth/resources/dmarc-feedback/003.xml": .reads(records: 4, messages: 9),
        "stalwart-mail-auth/resources/dmarc-feedback/004.xml": .reads(records: 1, messages: 123),
        "stalwart-mail-auth/resources/dmarc-feedback/005.xml": .reads(records: 1, messages: 1),
        "tierpod-dmarc-report-converter/testdata/test.xml.gz.gz": .reads(records: 2, messages: 7),  // gzip inside gzip
        "tierpod-dmarc-report-converter/testdata/test.xml.gz": .reads(records: 2, messages: 7),
        "tierpod-dmarc-report-converter/testdata/test.xml": .reads(records: 2, messages: 7),
        "tierpod-dmarc-report-converter/testdata/test2.xml": .reads(records: 2, messages: 12),
        "tierpod-dmarc-report-converter/testdata/test_empty.xml": .reads(records: 0, messages: 0),  // its one record has count 0 and empty values: no records
    ]

    static let unpackedElsewhere = [
        "mail-dmarc/t/fixtures/test_dmarc.xml.zip",
        "parsedmarc/samples/aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip",
        "parsedmarc/samples/extract_report/nice-input.xml.zip",
        "samuelba-dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml.zip",
        "tierpod-dmarc-report-converter/testdata/test.xml.zip",
    ]

    /// The document inside the file: gzip layers removed (one corpus file has two).
    static func document(_ path: String) throws -> Data {
        var bytes = Array(try Fixtures.data(Fixtures.corpus(path)))
        while bytes.starts(with: [0x1f, 0x8b]) {
            bytes = try ReportCompression.gunzip(bytes, maximumSize: 64 << 20)
        }
        return Data(bytes)
    }

    @Test(arguments: expectations.keys.sorted())
    func corpusReport(_ path: String) throws {
        let expected = try #require(Self.expectations[path])
        let outcome = Result { try AggregateReportXMLReader.read(try Self.document(path)) }
        switch (expected, outcome) {
        case (.reads(let records, let messages), .success(let report)):
            #expect(report.records.count == records, "\(path)")
            #expect(report.messageCount == messages, "\(path)")
        case (.refused(let reason), .failure(let error)):
            #expect(String(describing: error).contains(reason), "\(path): \(error)")
        case (_, .success(let report)):
            Issue.record("\(path) read with \(report.records.count) records, expected \(expected)")
        case (_, .failure(let error)):
            Issue.record("\(path) refused: \(error), expected \(expected)")
        }
    }

    /// What we read from others we can write as a schema-valid RFC 9990 report with the same
    /// records: the writer copes with real values (IPv6, missing selectors, odd text).
    @Test(arguments: expectations.compactMap { path, expected in
        if case .reads(let records, _) = expected, records > 0 { path } else { nil }
    }.sorted())
    func corpusReportRewrites(_ path: String) throws {
        let report = try AggregateReportXMLReader.read(try Self.document(path))
        let xml = AggregateReportXMLWriter.xml(report)
        try SchemaValidation.validate(xml)
        let again = try AggregateReportXMLReader.read(Data(xml))
        #expect(again.records.count == report.records.count)
        #expect(again.messageCount == report.messageCount)
        #expect(again.metadata.reportID == report.metadata.reportID)
    }

    /// Every report-like file of the corpus (all its `.xml`, `.gz` and `.zip` files are) has an
    /// expectation, so none is left out unnoticed.
    @Test func everyAggregateReportOfTheCorpusIsListed() throws {
        let root = Fixtures.corpusRoot
        let enumerator = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        var found: [String] = []
        for case let url as URL in enumerator where [".xml", ".gz", ".zip"].contains(where: url.lastPathComponent.hasSuffix) {
            found.append(String(url.path.dropFirst(root.path.count + 1)))
        }
        let listed = Set(Self.expectations.keys).union(Self.unpackedElsewhere)
        #expect(Set(found).subtracting(listed).sorted() == [])
    }
}
