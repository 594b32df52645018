import Auth
import DNS
import Testing

@Suite("SPF evaluation")
struct SPFEvaluatorTests {
    static let client = IPAddress("192.0.2.10")!

    static func zone(_ text: String) throws -> StaticResolver {
        try StaticResolver(zone: text)
    }

    @Test("a pass through an include names the result, identity, domain and the matching path")
    func outcomeOfPass() async throws {
        let zone = try Self.zone("""
            example.com.      TXT "v=spf1 mx include:_spf.example.net -all"
            _spf.example.net. TXT "v=spf1 ip4:198.51.100.0/24 ip4:192.0.2.0/24 ~all"
            """)

        let outcome = await SPFEvaluator(resolver: zone)
            .checkMailFrom("<alice@example.com>", helo: "mail.example.org", clientIP: Self.client)

        #expect(outcome.result == .pass)
        #expect(outcome.identity == .mailFrom)
        #expect(outcome.identity.authenticationResultsProperty == "smtp.mailfrom")
        #expect(outcome.domain == "example.com")
        #expect(outcome.sender == "alice@example.com")
        #expect(outcome.mechanism == "include:_spf.example.net")
        #expect(outcome.matches == [
            .init(domain: "example.com", directive: "include:_spf.example.net"),
            .init(domain: "_spf.example.net", directive: "ip4:192.0.2.0/24"),
        ])
        #expect(outcome.reason == nil)
        #expect(outcome.description.contains("spf=pass smtp.mailfrom=example.com client-ip=192.0.2.10"))
    }

    @Test("a fail carries the domain owner's explanation, expanded (RFC 7208 §6.2)")
    func outcomeOfFail() async throws {
        let zone = try Self.zone("""
            example.com.             TXT "v=spf1 ip4:198.51.100.1 -all exp=why._spf.%{d}"
            why._spf.example.com.    TXT "%{i} may not send for %{d} (%{r}, %{t})"
            """)
        let evaluator = SPFEvaluator(resolver: zone, receivingHost: "mx.example.net", now: { 1_700_000_000 })

        let outcome = await evaluator.checkMailFrom("bob@example.com", helo: "client.example.org", clientIP: Self.client)

        #expect(outcome.result == .fail)
        #expect(outcome.mechanism == "-all")
        #expect(outcome.explanation == "192.0.2.10 may not send for example.com (mx.example.net, 1700000000)")
    }

    @Test("the HELO identity is checked as postmaster@ the HELO name (RFC 7208 §2.3)")
    func heloIdentity() async throws {
        let zone = try Self.zone(#"mail.example.org. TXT "v=spf1 a -all""# + "\nmail.example.org. A 192.0.2.10")

        let outcome = await SPFEvaluator(resolver: zone).checkHELO("mail.example.org", clientIP: Self.client)

        #expect(outcome.result == .pass)
        #expect(outcome.identity == .helo)
        #expect(outcome.identity.authenticationResultsProperty == "smtp.helo")
        #expect(outcome.sender == "postmaster@mail.example.org")
        #expect(outcome.mechanism == "a")
    }

    @Test("a null reverse-path checks postmaster@ the HELO name as MAIL FROM (RFC 7208 §2.4)")
    func nullReversePath() async throws {
        let zone = try Self.zone(#"mail.example.org. TXT "v=spf1 -all""#)

        let outcome = await SPFEvaluator(resolver: zone).checkMailFrom("<>", helo: "mail.example.org", clientIP: Self.client)

        #expect(outcome.result == .fail)
        #expect(outcome.identity == .mailFrom)
        #expect(outcome.domain == "mail.example.org")
        #expect(outcome.sender == "postmaster@mail.example.org")
    }

    @Test("HELO that is not a domain name gives none with a reason (RFC 7208 §2.3, §4.3)", arguments: [
        "[192.0.2.10]", "192.0.2.10", "OEMCOMPUTER", "mail..example.com", "exa mple.com", "bücher.example",
    ])
    func heloNotADomain(_ helo: String) async {
        let outcome = await SPFEvaluator(resolver: StaticResolver()).checkHELO(helo, clientIP: Self.client)
        #expect(outcome.result == .none)
        #expect(outcome.reason?.contains("RFC 7208 §4.3") == true)
    }

    @Test("no record is none, with the DNS answer in the reason (RFC 7208 §4.3, §4.5)")
    func noRecord() async {
        let outcome = await SPFEvaluator(resolver: StaticResolver())
            .checkMailFrom("a@nowhere.example", helo: "h.example", clientIP: Self.client)
        #expect(outcome.result == .none)
        #expect(outcome.reason?.contains("NXDOMAIN") == true)
    }

    @Test("a DNS failure is temperror naming the query; a PTR failure only fails to match (RFC 7208 §4.4, §5.5)")
    func dnsFailures() async throws {
        var zone = try Self.zone("""
            example.com.  TXT "v=spf1 ptr include:broken.example.net -all"
            """)
        zone.fail("broken.example.net", with: .serverFailure("SERVFAIL"))
        zone.fail(Self.client.reverseName, with: .timeout)

        let outcome = await SPFEvaluator(resolver: zone).checkMailFrom("a@example.com", helo: "h.example", clientIP: Self.client)

        #expect(outcome.result == .temperror)
        #expect(outcome.reason == "DNS lookup of TXT broken.example.net failed: server failure (SERVFAIL)")
    }

    @Test("an IPv4-mapped IPv6 client is evaluated as IPv4 (RFC 7208 §5)")
    func mappedClient() async throws {
        let zone = try Self.zone("""
            example.com. TXT "v=spf1 ip6:::/0 a -all"
            example.com. A   192.0.2.10
            """)

        let outcome = await SPFEvaluator(resolver: zone)
            .checkMailFrom("a@example.com", helo: "h.example", clientIP: IPAddress("::ffff:192.0.2.10")!)

        #expect(outcome.result == .pass)
        #expect(outcome.mechanism == "a")
        #expect(outcome.clientIP == Self.client)
    }

    @Test("a resolver that never answers still gives temperror by the deadline (RFC 7208 §4.6.4)", .timeLimit(.minutes(1)))
    func deadline() async {
        var limits = SPFEvaluator.Limits()
        limits.deadline = .milliseconds(200)
        let clock = ContinuousClock()
        let start = clock.now

        let resolver = SilentResolver()
        defer { resolver.release() }

        let outcome = await SPFEvaluator(resolver: resolver, limits: limits)
            .checkMailFrom("a@example.com", helo: "h.example", clientIP: Self.client)

        #expect(outcome.result == .temperror)
        #expect(outcome.reason?.contains("deadline") == true)
        #expect(clock.now - start < .seconds(10))
    }

    @Test("limits are named bounds that can be changed")
    func customLimits() async throws {
        let zone = try Self.zone("""
            example.com. TXT "v=spf1 a:a.example.com a:b.example.com -all"
            """)
        var limits = SPFEvaluator.Limits()
        limits.voidLookups = 1

        let outcome = await SPFEvaluator(resolver: zone, limits: limits)
            .checkMailFrom("a@example.com", helo: "h.example", clientIP: Self.client)

        #expect(outcome.result == .permerror)
        #expect(outcome.reason == "more than 1 void lookups, at A b.example.com (RFC 7208 §4.6.4)")
    }
}
