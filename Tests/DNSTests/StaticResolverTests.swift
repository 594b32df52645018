import DNS
import Testing

struct StaticResolverTests {
    let resolver = try! StaticResolver(zone: """
        $ORIGIN example.test.
        @            TXT "v=spf1 -all"
        @            MX 10 mx
        mx           A 192.0.2.25
        alias        CNAME mx
        loop1        CNAME loop2
        loop2        CNAME loop1
        a.b.deep     A 192.0.2.3
        """)

    @Test func recordsOfTheAskedTypeAreReturned() async throws {
        #expect(try await resolver.txt("EXAMPLE.test.").records.map(\.text) == ["v=spf1 -all"])
        #expect(try await resolver.mx("example.test").records == [MXRecord(preference: 10, exchange: "mx.example.test")])
    }

    @Test func unknownNameIsNXDOMAINAndKnownNameWithoutTheTypeIsNoData() async {
        await #expect(throws: DNSError.nxdomain) { try await resolver.a("missing.example.test") }
        await #expect(throws: DNSError.noData) { try await resolver.aaaa("mx.example.test") }
    }

    @Test func nameWithOnlyNamesBelowItIsNoData() async {
        await #expect(throws: DNSError.noData) { try await resolver.a("b.deep.example.test") }
        await #expect(throws: DNSError.noData) { try await resolver.a("deep.example.test") }
    }

    @Test func aliasesAreFollowedAndLoopsEndInNoData() async throws {
        #expect(try await resolver.a("alias.example.test").records == [IPAddress("192.0.2.25")!])
        await #expect(throws: DNSError.noData) { try await resolver.a("loop1.example.test") }
    }

    @Test func failureSetForANameAppliesToEveryType() async {
        var failing = resolver
        failing.fail("example.test", with: .timeout)
        await #expect(throws: DNSError.timeout) { try await failing.txt("example.test") }
        await #expect(throws: DNSError.timeout) { try await failing.mx("example.test") }
    }

    @Test func ptrLooksUpTheReverseName() async throws {
        var resolver = StaticResolver()
        resolver.add(.ptr("mail.example.test"), at: "25.2.0.192.in-addr.arpa")
        #expect(try await resolver.ptr(IPAddress("192.0.2.25")!).records == ["mail.example.test"])
    }
}
