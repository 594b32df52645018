import Auth
import DNS
import Foundation
import Testing
import TestSupport

/// Key lookups through the production resolver (libunbound) against a real authoritative
/// server (nsd) on 127.0.0.1: keys published as zone files publish them, long ones cut into
/// several character-strings, and a zone that answers SERVFAIL.
@Suite(.serialized)
struct DKIMRealDNSTests {
    static let gmailKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Kd87/UeJjenpabgbFwh+eBCsSTrqmwIYYvywlbhbqoo2DymndFkbjOVIPIldNs/m40KF+yzMn1skyoxcTUGCQs8g3FgD2Ap3ZB5DekAo5wMmk4wimDO+U8QzI3SD07y2+07wlNWwIt8svnxgdxGkVbbhzY8i+RQ9DpSVpPbF7ykQxtKXkv/ahW3KjViiAH+ghvvIhkx4xYSIc9oSwVmAl5OctMEeWUwg8Istjqz8BZeTWbf41fbNhte7Y+YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598HY+vtSBczUiKERHv1yRbcaQtZFh5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB"

    let server: DNSTestServer
    let resolver: UnboundResolver

    init() throws {
        server = try DNSTestServer(
            zones: [
                DNSTestServer.Zone("gmail.com", records: """
                    20120113._domainkey TXT "k=rsa; p=\(Self.gmailKey.prefix(200))" "\(Self.gmailKey.dropFirst(200))"
                    """),
                DNSTestServer.Zone("football.example.com", records: """
                    brisbane._domainkey TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
                    """),
            ],
            failingZones: ["kitterman.com"])
        resolver = try UnboundResolver(options: .init(forwarders: [server.forwarder], timeout: .seconds(2)))
    }

    @Test func keySplitOverCharacterStringsVerifiesThroughUnbound() async throws {
        let message = try DKIMTestMessage(contentsOf: Fixtures.corpus("dkimpy/data/test2.message"))
        let results = await message.verify(resolver: resolver, mode: .postfixLeadingSpace)
        #expect(results.map(\.status) == [.pass])
        #expect(results.first?.key?.bits == 2048)
    }

    @Test func missingKeyIsPermerrorAndServfailIsTemperror() async throws {
        // RFC 8463 A.3: the ed25519 key is published, the RSA key ("test") is not.
        let message = try DKIMTestMessage(contentsOf: Fixtures.corpus("rfc-examples/rfc8463-A3-signed-message.eml"))
        #expect(await message.verify(resolver: resolver).map(\.status) == [.pass, .permerror])
        // dkimpy's message.mbox is signed by kitterman.com, whose zone answers SERVFAIL here.
        let mbox = try DKIMTestMessage(contentsOf: Fixtures.corpus("dkimpy/data/message.mbox"))
        #expect(await mbox.verify(resolver: resolver).map(\.status) == [.temperror])
    }
}
