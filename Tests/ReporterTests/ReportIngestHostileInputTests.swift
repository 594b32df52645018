import CompressNIO
import Foundation
import NIOCore
import Reporter
import Testing
import TestSupport

/// RFC 9990 §8.1's dangers, each sent to the ingester: every one is rejected with its reason,
/// within a second and without the process growing by more than a bounded amount.
@Suite(.serialized) struct ReportIngestHostileInputTests {
    /// Rejects `bytes` and returns the reason; records the wall time and the peak memory growth.
    static func rejection(of bytes: [UInt8], name: String, limits: ReportIngester.Limits = .init()) -> String? {
        let peakBefore = peakResidentBytes()
        let start = ContinuousClock.now
        let outcomes = ReportIngester(limits: limits).outcomes(of: bytes, origin: name)
        let elapsed = ContinuousClock.now - start
        let growth = peakResidentBytes() - peakBefore
        print("\(name): \(bytes.count) bytes rejected in \(elapsed), peak memory grew by \(growth >> 20) MiB")
        #expect(elapsed < .seconds(1), "\(name) took \(elapsed)")
        #expect(growth < 200 << 20, "\(name) grew the process by \(growth >> 20) MiB")
        guard outcomes.count == 1, case .rejected(_, let reason) = outcomes[0] else {
            Issue.record("\(name): \(outcomes)")
            return nil
        }
        return reason
    }

    /// The highest resident set size of the process so far (getrusage's `ru_maxrss`, KiB on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// `count` zero bytes compressed (gzip, or raw deflate as zip uses), a megabyte at a time
    /// so that the zeros never exist at once.
    static func compressedZeros(count: Int, algorithm: CompressionAlgorithm = .gzip()) throws -> [UInt8] {
        let compressor = algorithm.compressor
        compressor.window = ByteBufferAllocator().buffer(capacity: 1 << 16)
        try compressor.startStream()
        var output: [UInt8] = []
        let chunks = count >> 20
        for index in 0..<chunks {
            var chunk = ByteBuffer(repeating: 0, count: 1 << 20)
            try chunk.compressStream(with: compressor, flush: index == chunks - 1 ? .finish : .no) { window in
                output += window.readableBytesView
            }
        }
        try compressor.finishStream()
        return output
    }

    @Test func aGzipBombOfOneGigabyteIsRejectedWhileInflating() throws {
        let bomb = try Self.compressedZeros(count: 1 << 30)
        let reason = Self.rejection(of: bomb, name: "report.xml.gz (1 GiB of zeros)")
        #expect(reason == "the gzip data expands to more than \(64 << 20) bytes")
    }

    @Test func aZipOfTenThousandEntriesIsRejectedBeforeExtracting() throws {
        let archive = StoredZip.archive((0..<10_000).map { ("report\($0).xml", Array("<feedback/>".utf8)) })
        let reason = Self.rejection(of: archive, name: "reports.zip (10,000 entries)")
        #expect(reason == "the zip archive has more than 16 entries")
    }

    @Test func aZipEntryThatUnderstatesItsSizeIsStoppedWhileInflating() throws {
        let deflated = try Self.compressedZeros(count: 256 << 20, algorithm: .deflate())
        let archive = StoredZip.archive([("report.xml", deflated)], method: 8, statedSize: 11)
        let reason = Self.rejection(of: archive, name: "report.zip (256 MiB of zeros said to be 11 bytes)")
        #expect(reason == "zip entry report.xml expands to more than \(64 << 20) bytes")
    }

    @Test func billionLaughsIsRejectedBeforeParsing() {
        var document = #"<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY lol "lol">"#
        for level in 1...9 {
            document += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">"
        }
        document += "]><feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>"
        let reason = Self.rejection(of: Array(document.utf8), name: "billion laughs")
        #expect(reason == "the document has a document type declaration, which reports never need")
    }

    @Test func anExternalEntityIsRejectedBeforeParsing() {
        let withDoctype = """
            <?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <feedback><report_metadata><org_name>&xxe;</org_name></report_metadata></feedback>
            """
        #expect(Self.rejection(of: Array(withDoctype.utf8), name: "XXE")
                == "the document has a document type declaration, which reports never need")
        let bare = #"<feedback><!ENTITY xxe SYSTEM "file:///etc/passwd"><org_name>&xxe;</org_name></feedback>"#
        #expect(Self.rejection(of: Array(bare.utf8), name: "XXE without a DOCTYPE")
                == "the document declares an entity, which reports never need")
    }

    @Test func aUTF16DocumentCannotHideItsDeclarations() {
        let laughs = #"<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE feedback [<!ENTITY a "aaaa">]><feedback>&a;</feedback>"#
        let utf16: [UInt8] = [0xFF, 0xFE] + laughs.utf16.flatMap { (unit: UInt16) -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(Self.rejection(of: utf16, name: "UTF-16 entities")
                == "the document holds NUL bytes (UTF-16 or UTF-32), which reports never need")
    }

    @Test func aUTF7DocumentCannotHideItsDeclarations() {
        let document = #"<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE feedback+AD4-<feedback/>"#
        #expect(Self.rejection(of: Array(document.utf8), name: "UTF-7 declarations")
                == "the document's encoding \"UTF-7\" is not one reports use")
    }

    @Test func gzipInsideGzipDeeperThanTheNestingLimitIsRejected() throws {
        var bytes = Array("<feedback/>".utf8)
        for _ in 0..<10 { bytes = try ReportCompression.gzip(bytes) }
        #expect(Self.rejection(of: bytes, name: "10 gzip layers") == "containers are nested deeper than 8 levels")
    }

    @Test func moreRecordsThanTheLimitAreRejected() throws {
        let record = "<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers></record>"
        let document = """
            <feedback><report_metadata><org_name>r</org_name><email>r@r.example</email><report_id>1</report_id>\
            <date_range><begin>0</begin><end>1</end></date_range></report_metadata>\
            <policy_published><domain>example.com</domain><p>none</p></policy_published>\
            \(String(repeating: record, count: 11))</feedback>
            """
        var limits = ReportIngester.Limits()
        limits.maximumRecords = 10
        #expect(Self.rejection(of: Array(document.utf8), name: "11 records", limits: limits)
                == "the report has 11 records, more than the limit of 10")
    }

    @Test(arguments: [("the central directory", 16), ("the local header", 42)])
    func aZipThatPointsPastItsEndIsRejected(what: String, field: Int) throws {
        // Given a zip whose directory says the central directory, or its entry's local header,
        // starts far past the end of the archive (found by fuzzing: the zip library read before
        // trapped on it)
        var archive = StoredZip.archive([("report.xml", Array("<feedback/>".utf8))])
        let end = archive.count - 22
        let directory = Int(archive[end + 16]) | Int(archive[end + 17]) << 8
        let offset = what == "the central directory" ? end + field : directory + field
        archive.replaceSubrange(offset..<(offset + 4), with: [0xEF, 0xCD, 0xAB, 0x00])

        // When it is ingested, then it is rejected as a zip, not a trap
        let reason = Self.rejection(of: archive, name: "report.zip (\(what) past the end)")
        #expect(reason?.contains("zip") == true, "\(reason ?? "")")
    }

    @Test(.timeLimit(.minutes(1)))
    func aZipWithDamagedDeflateDataIsRejectedNotAHang() throws {
        // Given a zip found by fuzzing whose entry's deflate data is damaged (the zip library read
        // before spun on it for ever)
        let archive = try Fixtures.data(Fixtures.url("fuzz/report-ingest-damaged-deflate.zip"))

        // When it is ingested, then it is rejected for its damaged entry
        let reason = Self.rejection(of: Array(archive), name: "report-ingest-damaged-deflate.zip")
        #expect(reason?.hasPrefix("zip entry ") == true, "\(reason ?? "")")
    }

    @Test func deepNestingIsRejected() {
        let document = "<feedback>" + String(repeating: "<x>", count: 100) + String(repeating: "</x>", count: 100) + "</feedback>"
        #expect(Self.rejection(of: Array(document.utf8), name: "100 levels") == "elements are nested deeper than 32 levels")
    }
}

/// A zip archive written by hand (PKWARE APPNOTE §4.3), so that a test can make one with any
/// number of entries at once, or one whose entry says what it likes about its size.
enum StoredZip {
    /// `files` stored (`method` 0) or, already compressed, deflated (8); `statedSize` overrides
    /// the uncompressed size the headers give.
    static func archive(_ files: [(name: String, bytes: [UInt8])], method: UInt16 = 0, statedSize: UInt32? = nil) -> [UInt8] {
        var output: [UInt8] = []
        var directory: [UInt8] = []
        for (name, bytes) in files {
            let offset = UInt32(output.count)
            let crc = method == 0 ? crc32(bytes) : 0
            let size = statedSize ?? UInt32(bytes.count)
            let header = fields32(0x0403_4B50) + fields16(20, 0, method, 0, 0) + fields32(crc, UInt32(bytes.count), size)
                + fields16(UInt16(name.utf8.count), 0)
            output += header + Array(name.utf8) + bytes
            directory += fields32(0x0201_4B50) + fields16(20, 20, 0, method, 0, 0) + fields32(crc, UInt32(bytes.count), size)
                + fields16(UInt16(name.utf8.count), 0, 0, 0, 0) + fields32(0, offset) + Array(name.utf8)
        }
        let count = UInt16(min(files.count, Int(UInt16.max)))
        let end = fields32(0x0605_4B50) + fields16(0, 0, count, count) + fields32(UInt32(directory.count), UInt32(output.count))
            + fields16(0)
        return output + directory + end
    }

    private static func fields16(_ values: UInt16...) -> [UInt8] {
        values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    private static func fields32(_ values: UInt32...) -> [UInt8] {
        values.flatMap { value in (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc = UInt32.max
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }
}
