@testable import DNS
import Testing

@Suite("The resolver's answer cache")
struct DNSAnswerCacheTests {
    static let spf = DNSAnswer<DNSRecord>(records: [.txt(TXTRecord("v=spf1 -all"))], ttl: 300)

    @Test("an answer is given back until its TTL has passed, with the TTL counted down (RFC 1035 §3.2.1)")
    func answerLastsItsTTL() {
        let cache = DNSAnswerCache()
        let start = ContinuousClock.now
        cache.keep(Self.spf, for: "example.com", type: .txt, now: start)

        #expect(cache.answer("example.com", type: .txt, now: start)?.records == Self.spf.records)
        #expect(cache.answer("example.com", type: .txt, now: start + .seconds(100))?.ttl == 200)
        #expect(cache.answer("example.com", type: .txt, now: start + .seconds(300)) == nil)
        #expect(cache.answer("example.com", type: .a, now: start) == nil)
        #expect(cache.answer("example.net", type: .txt, now: start) == nil)
    }

    @Test("an answer with TTL 0 is used once and not kept")
    func zeroTTLIsNotKept() {
        let cache = DNSAnswerCache()
        var answer = Self.spf
        answer.ttl = 0
        cache.keep(answer, for: "example.com", type: .txt)
        #expect(cache.count == 0)
    }

    @Test("a full cache drops its expired answers first, and everything only when none has expired")
    func capacityIsABound() {
        let cache = DNSAnswerCache(capacity: 3)
        let start = ContinuousClock.now
        var short = Self.spf
        short.ttl = 10
        cache.keep(short, for: "a.example", type: .txt, now: start)
        cache.keep(Self.spf, for: "b.example", type: .txt, now: start)
        cache.keep(Self.spf, for: "c.example", type: .txt, now: start)

        let later = start + .seconds(20)
        cache.keep(Self.spf, for: "d.example", type: .txt, now: later)
        #expect(cache.count == 3)
        #expect(cache.answer("b.example", type: .txt, now: later) != nil)

        cache.keep(Self.spf, for: "e.example", type: .txt, now: later)
        #expect(cache.count == 1)
        #expect(cache.answer("e.example", type: .txt, now: later) != nil)
    }
}
