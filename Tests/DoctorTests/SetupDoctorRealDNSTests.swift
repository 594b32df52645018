import DNS
import Doctor
import Foundation
import Testing
import TestSupport

/// The doctor against a real authoritative server (nsd) on 127.0.0.1 through the production
/// resolver, one domain of the zone for each mistake a site makes, and one domain without any.
@Suite(.serialized)
struct SetupDoctorRealDNSTests {
    let server: DNSTestServer
    let resolver: UnboundResolver
    let signer: DKIMTestSigner
    let key: DKIMTestSigner.Key

    static let siteAddress = IPAddress("192.0.2.10")!

    init() throws {
        signer = try DKIMTestSigner()
        key = try signer.rsaKey(bits: 2048)
        let includes = (1...6).map { "s\($0).spf TXT \"v=spf1 a:mail\($0).spf.test -all\"\nmail\($0).spf A 192.0.2.\($0)" }
        let zone = DNSTestServer.Zone("test", records: """
            good                       TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc.good                TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test,mailto:agg@vendor.test"
            good.test._report._dmarc.vendor TXT "v=DMARC1"
            sel._domainkey.good        TXT \(DNSTestServer.Zone.quotedStrings(key.record()))
            lookups                    TXT "v=spf1 include:s1.spf.test include:s2.spf.test include:s3.spf.test include:s4.spf.test include:s5.spf.test include:s6.spf.test -all"
            \(includes.joined(separator: "\n"))
            authz                      TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc.authz               TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@authz.test,mailto:reports@vendor.test"
            revoked                    TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc.revoked             TXT "v=DMARC1; p=reject; rua=mailto:dmarc@revoked.test"
            old._domainkey.revoked     TXT "v=DKIM1; k=rsa; p="
            twice                      TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc.twice               TXT "v=DMARC1; p=reject; rua=mailto:dmarc@twice.test"
            _dmarc.twice               TXT "v=DMARC1; p=none"
            quiet                      TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc.quiet               TXT "v=DMARC1; p=none"
            pct                        TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc.pct                 TXT "v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@pct.test"
            open                       TXT "v=spf1 ip4:192.0.2.99 include:all.spf.test +all"
            all.spf                    TXT "v=spf1 ip4:192.0.2.98 -all"
            _dmarc.open                TXT "v=DMARC1; p=reject; rua=mailto:dmarc@open.test"
            """)
        server = try DNSTestServer(zones: [zone])
        resolver = try UnboundResolver(options: .init(
            forwarders: [server.forwarder], timeout: .seconds(2), forwardedLocalZones: ["test."]))
    }

    func doctor(_ selectors: [DKIMSelector] = []) -> SetupDoctor {
        SetupDoctor(resolver: resolver, site: .init(domains: [], publicIPs: [Self.siteAddress], dkimSelectors: selectors))
    }

    var publicKey: [UInt8] { Array(Data(base64Encoded: key.publicKey)!) }

    @Test("a correct domain gives no warnings or errors")
    func correctDomain() async {
        let findings = await doctor([DKIMSelector(domain: "good.test", selector: "sel", publicKey: publicKey)])
            .check(domain: "good.test")
        #expect(findings.filter { $0.level != .ok } == [], "\(findings)")
        #expect(Set(findings.map(\.check)).isSuperset(of: ["spf.record", "spf.lookups", "spf.all", "spf.ip", "dmarc.record",
                                                           "dmarc.policy", "dmarc.rua", "dkim.size", "dkim.match"]))
    }

    @Test("twelve DNS lookups over the include tree are an error")
    func tooManyLookups() async throws {
        let findings = await doctor().check(domain: "lookups.test")
        let lookups = try #require(findings.first { $0.check == "spf.lookups" })
        #expect(lookups.level == .error)
        #expect(lookups.summary == "12 DNS lookups, over the limit of 10")
        #expect(lookups.why?.contains("RFC 7208 §4.6.4") == true)
        #expect(lookups.fix?.contains("ip4:/ip6:") == true)
    }

    @Test("an external rua without its _report._dmarc record gets the exact record to publish")
    func missingReportAuthorization() async throws {
        let findings = await doctor().check(domain: "authz.test")
        let rua = findings.filter { $0.check == "dmarc.rua" }
        #expect(rua.map(\.level) == [.ok, .error], "\(rua)")
        #expect(rua.last?.fix == "Publish at vendor.test (its owner must): authz.test._report._dmarc.vendor.test. IN TXT \"v=DMARC1\"")
    }

    @Test("a revoked DKIM key is an error")
    func revokedKey() async throws {
        let findings = await doctor([DKIMSelector(domain: "revoked.test", selector: "old", publicKey: publicKey)])
            .check(domain: "revoked.test")
        let revoked = try #require(findings.first { $0.check == "dkim.revoked" })
        #expect(revoked.level == .error)
        #expect(revoked.fix == "old._domainkey.revoked.test. IN TXT " + DNSTestServer.Zone.quotedStrings(key.record()))
    }

    @Test("two DMARC records are an error: receivers discard both")
    func twoRecords() async throws {
        let findings = await doctor().check(domain: "twice.test")
        let records = try #require(findings.first { $0.check == "dmarc.records" })
        #expect(records.level == .error)
        #expect(records.summary == "2 DMARC records at _dmarc.twice.test")
        #expect(records.fix?.hasPrefix("Keep one of them") == true)
    }

    @Test("p=none without rua is a warning with the rua to add")
    func noneWithoutReports() async throws {
        let findings = await doctor().check(domain: "quiet.test")
        let reports = try #require(findings.first { $0.check == "dmarc.reports" })
        #expect(reports.level == .warn)
        #expect(reports.fix == "_dmarc.quiet.test. IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@quiet.test\"")
    }

    @Test("a leftover pct is a warning with the record without it")
    func leftoverPercent() async throws {
        let findings = await doctor().check(domain: "pct.test")
        let pct = try #require(findings.first { $0.check == "dmarc.pct" })
        #expect(pct.level == .warn)
        #expect(pct.why?.contains("Appendix C.5.2") == true)
        #expect(pct.fix == "_dmarc.pct.test. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@pct.test\"")
    }

    @Test("+all and an address the record does not cover are errors")
    func openRecordAndUncoveredAddress() async throws {
        let findings = await doctor().check(domain: "open.test")
        let all = try #require(findings.first { $0.check == "spf.all" })
        #expect(all.level == .error)
        #expect(all.fix == "open.test. IN TXT \"v=spf1 ip4:192.0.2.99 include:all.spf.test -all\"")
        // +all covers every address, so the site's own passes.
        #expect(findings.first { $0.check == "spf.ip" }?.level == .ok)
    }

    @Test("a domain without records gets the SPF and DMARC records to publish")
    func missingRecords() async throws {
        let findings = await doctor().check(domain: "nothing.test")
        #expect(findings.first { $0.check == "spf.record" }?.fix == "nothing.test. IN TXT \"v=spf1 ip4:192.0.2.10 -all\"")
        #expect(findings.first { $0.check == "dmarc.record" }?.level == .error)
    }

    @Test("a subdomain without a record of its own is covered by its organization's record")
    func inheritedPolicy() async throws {
        let findings = await doctor().check(domain: "shop.good.test")
        let record = try #require(findings.first { $0.check == "dmarc.record" })
        #expect(record.level == .ok)
        #expect(record.summary == "no record of its own; the record of good.test applies (p=reject)")
    }

    @Test("a published key other than the signer's is an error")
    func keyMismatch() async throws {
        let other = try signer.rsaKey(bits: 1024)
        let findings = await doctor([DKIMSelector(domain: "good.test", selector: "sel",
                                                  publicKey: Array(Data(base64Encoded: other.publicKey)!))])
            .check(domain: "good.test")
        #expect(findings.first { $0.check == "dkim.match" }?.level == .error)
    }
}
