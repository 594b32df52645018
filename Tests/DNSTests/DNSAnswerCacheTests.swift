@testable import DNS
import Testing

@Suite("The resolver's answer cache")
struct DNSAnswerCacheTests {
    static let spf = DNSAnswer<DNSRecord>(records: [.txt(TXTRecord("v=spf1 -all"))], ttl: 300)

    /// Keeps an answer for its own TTL.
    static func keep(_ answer: DNSAnswer<DNSRecord>, in cache: DNSAnswerCache, for name: String,
                     now: ContinuousClock.Instant = .now) {
        cache.keep(.success(answer), negativeTTL: 0, for: name, type: .txt, now: now)
    }

    static func answer(_ cache: DNSAnswerCache, _ name: String, type: DNSRecordType = .txt,
                       now: ContinuousClock.Instant = .now) -> DNSAnswer<DNSRecord>? {
        try? cache.lookup(name, type: type, now: now)?.get()
    }

    @Test("an answer is given back until its TTL has passed, with the TTL counted down (RFC 1035 §3.2.1)")
    func answerLastsItsTTL() {
        let cache = DNSAnswerCache()
        let start = ContinuousClock.now
        Self.keep(Self.spf, in: cache, for: "example.com", now: start)

        #expect(Self.answer(cache, "example.com", now: start)?.records == Self.spf.records)
        #expect(Self.answer(cache, "example.com", now: start + .seconds(100))?.ttl == 200)
        #expect(Self.answer(cache, "example.com", now: start + .seconds(300)) == nil)
        #expect(Self.answer(cache, "example.com", type: .a, now: start) == nil)
        #expect(Self.answer(cache, "example.net", now: start) == nil)
    }

    @Test("an answer with TTL 0 is used once and not kept")
    func zeroTTLIsNotKept() {
        let cache = DNSAnswerCache()
        var answer = Self.spf
        answer.ttl = 0
        Self.keep(answer, in: cache, for: "example.com")
        #expect(cache.count == 0)
    }

    @Test("NXDOMAIN and NODATA are kept for the SOA's negative TTL (RFC 2308 §5); other failures not at all")
    func absenceLastsItsNegativeTTL() {
        let cache = DNSAnswerCache()
        let start = ContinuousClock.now
        cache.keep(.failure(.nxdomain), negativeTTL: 60, for: "_dmarc.com", type: .txt, now: start)
        cache.keep(.failure(.noData), negativeTTL: 60, for: "example.com", type: .mx, now: start)
        cache.keep(.failure(.nxdomain), negativeTTL: 0, for: "_dmarc.net", type: .txt, now: start)
        cache.keep(.failure(.serverFailure("SERVFAIL")), negativeTTL: 60, for: "broken.example", type: .txt, now: start)
        cache.keep(.failure(.timeout), negativeTTL: 60, for: "slow.example", type: .txt, now: start)

        #expect(cache.lookup("_dmarc.com", type: .txt, now: start + .seconds(59)) == .failure(.nxdomain))
        #expect(cache.lookup("example.com", type: .mx, now: start) == .failure(.noData))
        #expect(cache.lookup("_dmarc.com", type: .txt, now: start + .seconds(60)) == nil)
        #expect(cache.count == 2)
    }

    @Test("a full cache drops its expired answers first, and everything only when none has expired")
    func capacityIsABound() {
        let cache = DNSAnswerCache(capacity: 3)
        let start = ContinuousClock.now
        var short = Self.spf
        short.ttl = 10
        Self.keep(short, in: cache, for: "a.example", now: start)
        Self.keep(Self.spf, in: cache, for: "b.example", now: start)
        Self.keep(Self.spf, in: cache, for: "c.example", now: start)

        let later = start + .seconds(20)
        Self.keep(Self.spf, in: cache, for: "d.example", now: later)
        #expect(cache.count == 3)
        #expect(Self.answer(cache, "b.example", now: later) != nil)

        Self.keep(Self.spf, in: cache, for: "e.example", now: later)
        #expect(cache.count == 1)
        #expect(Self.answer(cache, "e.example", now: later) != nil)
    }
}
