import Auth
import DNS
import Testing
import TestSupport

/// DMARC evaluation through the production resolver (libunbound) against a real authoritative
/// server (nsd) on 127.0.0.1 that serves a whole top-level domain, so that Tree Walks reach
/// their last label for real: NXDOMAIN, NODATA, several records, SERVFAIL.
@Suite(.serialized)
struct DMARCRealDNSTests {
    static let zone = DNSTestServer.Zone("test", records: """
        _dmarc.example       TXT "v=DMARC1; p=reject; sp=quarantine; " "np=reject; rua=mailto:agg@example.test"
        news.example         A 192.0.2.1
        _dmarc.twice         TXT "v=DMARC1; p=reject"
        _dmarc.twice         TXT "v=DMARC1; p=none"
        _dmarc.bank          TXT "v=DMARC1; p=reject; sp=quarantine; psd=y"
        shop.bank            A 192.0.2.2
        """)

    let server: DNSTestServer
    let evaluator: DMARCEvaluator

    init() throws {
        server = try DNSTestServer(zones: [Self.zone], failingZones: ["broken.test"])
        let resolver = try UnboundResolver(options: .init(
            forwarders: [server.forwarder], timeout: .seconds(2), forwardedLocalZones: ["test."]))
        evaluator = DMARCEvaluator(resolver: resolver)
    }

    @Test("a subdomain passes with its parent's signature after a walk to the top-level domain")
    func relaxedAlignmentThroughTheWalk() async {
        let outcome = await evaluator.evaluate(DMARCInput(fromFields: ["a@news.example.test"],
                                                          dkim: [.pass("example.test")]))
        #expect(outcome.result == .pass, "\(outcome)")
        #expect(outcome.queries == ["_dmarc.news.example.test", "_dmarc.example.test", "_dmarc.test"])
        #expect(outcome.record?.nonExistentSubdomainPolicy == .reject)
    }

    @Test("NXDOMAIN for the Author Domain selects np, an address record sp")
    func existenceSelectsThePolicy() async {
        let ghost = await evaluator.evaluate(DMARCInput(fromFields: ["a@ghost.example.test"]))
        #expect(ghost.appliedPolicy == DMARCAppliedPolicy(tag: .np, policy: .reject), "\(ghost)")
        let news = await evaluator.evaluate(DMARCInput(fromFields: ["a@news.example.test"]))
        #expect(news.appliedPolicy == DMARCAppliedPolicy(tag: .sp, policy: .quarantine), "\(news)")
    }

    @Test("two records at one name are no record")
    func twoRecords() async {
        let outcome = await evaluator.evaluate(DMARCInput(fromFields: ["a@twice.test"]))
        #expect(outcome.result == DMARCResult.none, "\(outcome)")
    }

    @Test("a PSD's record governs a registrant without its own")
    func publicSuffixDomain() async {
        let outcome = await evaluator.evaluate(DMARCInput(fromFields: ["a@shop.bank.test"]))
        #expect(outcome.result == .fail)
        #expect(outcome.policyDomain == "bank.test")
        #expect(outcome.organizationalDomain == "shop.bank.test")
        #expect(outcome.disposition == .quarantine)
    }

    @Test("SERVFAIL during the walk is a temperror")
    func serverFailure() async {
        let outcome = await evaluator.evaluate(DMARCInput(fromFields: ["a@mail.broken.test"]))
        #expect(outcome.result == .temperror, "\(outcome)")
    }
}
