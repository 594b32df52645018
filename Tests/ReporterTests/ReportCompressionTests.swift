import Foundation
import Reporter
import Testing
import TestSupport

@Suite struct ReportCompressionTests {
    @Test func gzipRoundTrips() throws {
        let xml = AggregateReportXMLWriter.xml(try ReportTestMessages.mixedReport())
        let compressed = try ReportCompression.gzip(xml)
        // RFC 1952 §2.3.1: ID1 ID2 and CM=8 (deflate)
        #expect(Array(compressed.prefix(3)) == [0x1f, 0x8b, 8])
        #expect(compressed.count < xml.count)
        #expect(try ReportCompression.gunzip(compressed, maximumSize: xml.count) == xml)
    }

    @Test func ourGzipIsReadBySystemGzip() throws {
        let xml = AggregateReportXMLWriter.xml(try ReportTestMessages.mixedReport())
        let output = try TestProgram.run(["/bin/gzip", "-dc"], input: try ReportCompression.gzip(xml))
        #expect(output == xml)
    }

    @Test func aGzipBombStopsAtTheLimit() throws {
        // Given 64 MiB of zeros, which compress to about 64 KiB
        let bomb = try ReportCompression.gzip([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 100_000)

        // When it is unpacked with a 1 MiB limit, it is refused
        #expect {
            try ReportCompression.gunzip(bomb, maximumSize: 1 << 20)
        } throws: { error in
            String(describing: error).contains("more than 1048576 bytes")
        }
    }

    @Test func damagedDataIsRefused() throws {
        let compressed = try ReportCompression.gzip(Array("<feedback/>".utf8))
        #expect(throws: ReportCompression.Failure.self) {
            try ReportCompression.gunzip(Array("<feedback/>".utf8), maximumSize: 1 << 20)
        }
        var flipped = compressed
        flipped[12] ^= 0xff
        #expect(throws: ReportCompression.Failure.self) {
            try ReportCompression.gunzip(flipped, maximumSize: 1 << 20)
        }
    }

    @Test func gzipFilesOfTheCorpusUnpack() throws {
        // The same report as .xml and as .xml.gz (corpus: mail-dmarc, parsedmarc, samuelba)
        for (gz, xml) in [
            ("mail-dmarc/t/fixtures/test_dmarc.xml.gz", "mail-dmarc/t/fixtures/test_dmarc.xml"),
            ("parsedmarc/samples/extract_report/nice-input.xml.gz", "parsedmarc/samples/extract_report/nice-input.xml"),
            ("samuelba-dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml.gz",
             "samuelba-dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml"),
        ] {
            let unpacked = try ReportCompression.gunzip(Array(Fixtures.data(Fixtures.corpus(gz))), maximumSize: 1 << 20)
            #expect(unpacked == Array(try Fixtures.data(Fixtures.corpus(xml))), "\(gz)")
        }
    }
}

extension ReportCompressionTests {
    @Test func aCutOffFileIsRefusedNotShortened() throws {
        // The decompressor alone would hand back the part before the cut.
        let xml = AggregateReportXMLWriter.xml(try ReportTestMessages.mixedReport())
        let compressed = try ReportCompression.gzip(xml)
        for length in [10, compressed.count / 2, compressed.count - 9, compressed.count - 1] {
            #expect(throws: ReportCompression.Failure.self, "cut at \(length)") {
                try ReportCompression.gunzip(Array(compressed.prefix(length)), maximumSize: 1 << 20)
            }
        }
        #expect(throws: ReportCompression.Failure.self) {
            try ReportCompression.gunzip(compressed + [0x00], maximumSize: 1 << 20)
        }
    }
}
