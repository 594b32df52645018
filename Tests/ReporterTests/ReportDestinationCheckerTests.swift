import Auth
import DNS
import Reporter
import Testing
import TestSupport

/// Which `rua` URIs get a report (RFC 9990 §3.5, §4), decided against an in-memory zone.
@Suite struct ReportDestinationCheckerTests {
    /// example.com publishes its policy; example.net's report service confirms example.com and
    /// redirects one of them; relay.example publishes a confirmation that points elsewhere;
/// other.example publishes a TXT record that is not a DMARC record.
    static let zone = """
        _dmarc.example.com.                          TXT "v=DMARC1; p=reject"
        example.com._report._dmarc.example.net.      TXT "v=DMARC1;"
        example.com._report._dmarc.redirect.example. TXT "v=DMARC1; rua=mailto:inbox@redirect.example"
        example.com._report._dmarc.relay.example.    TXT "v=DMARC1; rua=mailto:victim@elsewhere.example"
        example.com._report._dmarc.other.example.    TXT "v=spf1 -all"
        """

    static func uris(_ rua: String) throws -> [DMARCReportURI] {
        try DMARCRecord(parsing: "v=DMARC1; p=none; rua=\(rua)").aggregateReportURIs
    }

    static func checker(_ resolver: StaticResolver? = nil,
                        settings: ReportDestinationChecker.Settings = .init()) throws -> ReportDestinationChecker {
        let resolver = try resolver ?? StaticResolver(zone: zone)
        return ReportDestinationChecker(resolver: resolver, organizationalDomains: DMARCEvaluator(resolver: resolver),
                                        settings: settings)
    }

    static func decisions(_ rua: String, checker: ReportDestinationChecker, size: Int = 1000) async throws
        -> [ReportDestination.Decision] {
        await checker.destinations(policyDomain: "example.com", uris: try uris(rua), messageSize: size).map(\.decision)
    }

    @Test("a destination in the policy's Organizational Domain needs no confirmation")
    func sameOrganization() async throws {
        let decisions = try await Self.decisions("mailto:dmarc@reports.example.com", checker: Self.checker())
        #expect(decisions == [.accepted(address: "dmarc@reports.example.com")])
    }

    @Test("an external destination that publishes v=DMARC1 at <policy>._report._dmarc is accepted")
    func confirmedExternal() async throws {
        let decisions = try await Self.decisions("mailto:agg@example.net", checker: Self.checker())
        #expect(decisions == [.accepted(address: "agg@example.net")])
    }

    @Test("an external destination without a confirming record is skipped")
    func unconfirmedExternal() async throws {
        let decisions = try await Self.decisions("mailto:victim@victim.example,mailto:x@other.example",
                                                 checker: Self.checker())
        for decision in decisions {
            guard case .skipped(.notAuthorized) = decision else {
                Issue.record("expected notAuthorized, got \(decision)")
                continue
            }
        }
        #expect(decisions.count == 2)
    }

    @Test("the confirming record may replace the address with one at the same host")
    func override() async throws {
        let decisions = try await Self.decisions("mailto:old@redirect.example", checker: Self.checker())
        #expect(decisions == [.accepted(address: "inbox@redirect.example")])
    }

    @Test("an override to another host sends to neither address")
    func overrideElsewhere() async throws {
        let decisions = try await Self.decisions("mailto:agg@relay.example", checker: Self.checker())
        guard case .skipped(.notAuthorized(let why)) = decisions.first else {
            Issue.record("expected notAuthorized, got \(decisions)")
            return
        }
        #expect(why.contains("victim@elsewhere.example"))
    }

    @Test("a DNS timeout on the confirmation means try later, not refused")
    func temporaryFailure() async throws {
        var resolver = try StaticResolver(zone: Self.zone)
        resolver.fail("example.com._report._dmarc.slow.example", with: .timeout)
        let decisions = try await Self.decisions("mailto:agg@slow.example", checker: Self.checker(resolver))
        guard case .retryLater = decisions.first else {
            Issue.record("expected retryLater, got \(decisions)")
            return
        }
    }

    @Test("a SERVFAIL during the Organizational Domain walk means try later")
    func temporaryFailureInTheWalk() async throws {
        var resolver = try StaticResolver(zone: Self.zone)
        resolver.fail("_dmarc.broken.example", with: .serverFailure("test"))
        let decisions = try await Self.decisions("mailto:agg@broken.example", checker: Self.checker(resolver))
        guard case .retryLater = decisions.first else {
            Issue.record("expected retryLater, got \(decisions)")
            return
        }
    }

    @Test("other schemes are skipped with the scheme named and do not count against the limit")
    func otherSchemes() async throws {
        let decisions = try await Self.decisions(
            "https://reports.example.com/dmarc,mailto:a@example.com,mailto:b@example.com,mailto:c@example.com",
            checker: Self.checker())
        #expect(decisions == [
            .skipped(.unsupportedScheme("https")),
            .accepted(address: "a@example.com"),
            .accepted(address: "b@example.com"),
            .skipped(.beyondLimit(2)),
        ])
    }

    @Test("an address that cannot stand in an envelope is skipped as malformed")
    func malformedAddresses() async throws {
        let decisions = try await Self.decisions(
            "mailto:two%20words@example.com,mailto:%3Cx%3E@example.com,mailto:nobody,mailto:ok@example.com",
            checker: Self.checker(settings: .init(destinationsPerDomain: 5)))
        #expect(decisions == [.skipped(.malformedAddress), .skipped(.malformedAddress), .skipped(.malformedAddress),
                              .accepted(address: "ok@example.com")])
    }

    @Test("the per-domain limit is configurable")
    func limit() async throws {
        let checker = try Self.checker(settings: .init(destinationsPerDomain: 1))
        let decisions = try await Self.decisions("mailto:a@example.com,mailto:b@example.com", checker: checker)
        #expect(decisions == [.accepted(address: "a@example.com"), .skipped(.beyondLimit(1))])
    }

    @Test("a message over the URI's size limit skips that URI only")
    func sizeLimit() async throws {
        let decisions = try await Self.decisions("mailto:small@example.com!10k,mailto:big@example.com!10m",
                                                 checker: Self.checker(), size: 20_000)
        #expect(decisions == [
            .skipped(.tooLarge(messageSize: 20_000, limit: 10_240)),
            .accepted(address: "big@example.com"),
        ])
    }

    @Test("addresses and domains on the no-reports list get nothing")
    func exclusions() async throws {
        let exclusions = ReportExclusionList(text: """
            # never these
            quiet@example.com
            example.net   # nor anything at example.net or below
            """)
        let checker = try Self.checker(settings: .init(destinationsPerDomain: 5, exclusions: exclusions))
        let decisions = try await Self.decisions(
            "mailto:Quiet@Example.com,mailto:agg@example.net,mailto:loud@example.com", checker: checker)
        #expect(decisions == [.skipped(.excluded), .skipped(.excluded), .accepted(address: "loud@example.com")])
        #expect(exclusions.excludes("x@sub.example.net"))
        #expect(!exclusions.excludes("x@notexample.net"))
    }

    @Test("a confirmation name longer than the DNS allows cannot confirm")
    func nameTooLong() async throws {
        let label = String(repeating: "a", count: 60)
        let host = "\(label).\(label).\(label).\(label).example"
        let decisions = try await Self.decisions("mailto:agg@\(host)", checker: Self.checker())
        guard case .skipped(.notAuthorized(let why)) = decisions.first else {
            Issue.record("expected notAuthorized, got \(decisions)")
            return
        }
        #expect(why.contains("too long"))
    }
}

/// The same rules through libunbound against a real nsd on 127.0.0.1.
@Suite(.serialized)
struct ReportDestinationRealDNSTests {
    @Test("confirmed, wildcard-confirmed, unconfirmed and unanswerable destinations over real DNS")
    func realDNS() async throws {
        let server = try DNSTestServer(
            zones: [DNSTestServer.Zone("test", records: """
                _dmarc.policy                        TXT "v=DMARC1; p=reject"
                policy.test._report._dmarc.consumer  TXT "v=DMARC1;"
                *._report._dmarc.anyone              TXT "v=DMARC1"
                """)],
            failingZones: ["broken.test"])
        defer { server.stop() }
        let resolver = try UnboundResolver(options: .init(
            forwarders: [server.forwarder], timeout: .seconds(2), forwardedLocalZones: ["test."]))
        let checker = ReportDestinationChecker(resolver: resolver, organizationalDomains: DMARCEvaluator(resolver: resolver),
                                               settings: .init(destinationsPerDomain: 5))
        let uris = try DMARCRecord(parsing: """
            v=DMARC1; p=reject; rua=mailto:a@policy.test,mailto:b@consumer.test,mailto:c@stranger.test,mailto:d@broken.test,mailto:e@anyone.test
            """).aggregateReportURIs

        let decisions = await checker.destinations(policyDomain: "policy.test", uris: uris, messageSize: 100).map(\.decision)

        #expect(decisions.count == 5)
        #expect(decisions[0] == .accepted(address: "a@policy.test"))
        #expect(decisions[1] == .accepted(address: "b@consumer.test"))
        guard case .skipped(.notAuthorized) = decisions[2] else {
            Issue.record("stranger.test: \(decisions[2])")
            return
        }
        guard case .retryLater = decisions[3] else {
            Issue.record("broken.test: \(decisions[3])")
            return
        }
        // A wildcard confirmation covers every policy domain (RFC 9990 §4).
        #expect(decisions[4] == .accepted(address: "e@anyone.test"))
    }
}
