@testable import Auth
import Testing

@Suite("Values kept per record text")
struct RecordCacheTests {
    @Test("a value is made once per key")
    func madeOnce() {
        let cache = RecordCache<String, Int>(capacity: 8)
        var made = 0
        for _ in 0..<3 {
            #expect(cache.value(for: "v=DMARC1; p=none") { made += 1; return made } == 1)
        }
        #expect(made == 1 && cache.count == 1)
    }

    @Test("a full cache starts over rather than grow")
    func capacityIsABound() {
        let cache = RecordCache<Int, Int>(capacity: 2)
        for key in 0..<3 { _ = cache.value(for: key) { key } }
        #expect(cache.count == 1)
    }

    @Test("a DMARC record parsed from the cache is the one parsing gives, and so is its error")
    func dmarcRecordsAreTheSame() throws {
        let text = "v=DMARC1; p=reject; rua=mailto:agg@example.com"
        for _ in 0..<2 {
            #expect(try DMARCRecord.cached(parsing: text) == DMARCRecord(parsing: text))
        }
        for _ in 0..<2 {
            #expect(throws: DMARCRecord.ParseError(reason: "version is \"spf1 -all\", not DMARC1")) {
                try DMARCRecord.cached(parsing: "v=spf1 -all")
            }
        }
    }
}
