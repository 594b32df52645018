import Auth
import DNS
import Testing

/// How many of RFC 7208 §4.6.4's lookups an evaluation takes, as a domain owner checking a
/// record wants to know it: over every include and redirect, and past the limits when they
/// are raised.
struct SPFLookupCensusTests {
    static let zone = """
        example.com.      TXT "v=spf1 mx include:_spf.example.net include:gone.example.org -all"
        example.com.      MX  10 mail.example.com.
        mail.example.com. A   192.0.2.10
        _spf.example.net. TXT "v=spf1 a:one.example.net a:two.example.net redirect=_more.example.net"
        one.example.net.  A   192.0.2.20
        _more.example.net. TXT "v=spf1 ip4:198.51.100.0/24 ~all"
        gone.example.org. TXT "v=spf1 a:missing.example.org ?all"
        """
    static let uncovered = IPAddress("255.255.255.255")!

    @Test("terms and void lookups are counted over every include and redirect")
    func wholeTree() async throws {
        let census = await SPFEvaluator(resolver: try StaticResolver(zone: Self.zone))
            .census(domain: "example.com", clientIP: Self.uncovered)
        // mx, include, a, a (void), redirect, include, a (void): 7 terms, 2 of them void.
        #expect(census.dnsTerms == 7)
        #expect(census.voidLookups == 2)
        #expect(census.outcome.result == .fail, "\(census.outcome)")
    }

    @Test("with the RFC's limits the count stops one past the limit, with permerror")
    func stopsAtTheLimit() async throws {
        var limits = SPFEvaluator.Limits()
        limits.dnsTerms = 4
        let census = await SPFEvaluator(resolver: try StaticResolver(zone: Self.zone), limits: limits)
            .census(domain: "example.com", clientIP: Self.uncovered)
        #expect(census.dnsTerms == 5)
        #expect(census.outcome.result == .permerror)
    }

    @Test("a matching mechanism ends the count where it ends the evaluation")
    func stopsAtAMatch() async throws {
        let census = await SPFEvaluator(resolver: try StaticResolver(zone: Self.zone))
            .census(domain: "example.com", clientIP: IPAddress("192.0.2.10")!)
        #expect(census.dnsTerms == 1)
        #expect(census.outcome.result == .pass)
    }
}
