import Auth
import DNS
import Foundation
import Reporter
import Testing
import TestSupport

/// The report mail dmarcd sends is DKIM-signed when its From: domain has a key.
@Suite struct ReportSigningTests {
    static let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <feedback><report_metadata><org_name>Receiver</org_name><email>dmarc-reports@receiver.example</email>
        <report_id>signed1</report_id><date_range><begin>1795132800</begin><end>1795219199</end></date_range>
        </report_metadata><policy_published><domain>example.com</domain><p>reject</p></policy_published>
        <record><row><source_ip>192.0.2.10</source_ip><count>1</count><policy_evaluated><disposition>none</disposition>
        <dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>
        </identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>
        </feedback>
        """

    @Test(arguments: [true, false])
    func aggregateReportMailIsSignedByTheReportersDomain(ed25519: Bool) async throws {
        // Given a key for the report From: domain
        let fixture = try Fixture()
        let key = try DKIMPrivateKey.generate(ed25519: ed25519)
        var settings = Fixture.settings
        settings.signingKeys = DKIMSigningKeyring(DKIMSigningKeys(rules: [.init(pattern: .domain("receiver.example"), keys: [
            .init(domain: "receiver.example", selector: "rep", path: "/test/key.pem", key: .success(key)),
        ])]))
        // When the mail for a report is made
        let report = try AggregateReportXMLReader.read(Data(Self.xml.utf8))
        let mail = try fixture.scheduler(settings).mail(for: report, gzip: try ReportCompression.gzip(Array(Self.xml.utf8)),
                                                       to: ["dmarc@example.com"], date: Date())
        // Then it carries one signature, which dmarcd's verifier and dkimpy accept
        let records = ["rep._domainkey.receiver.example": key.keyRecord]
        #expect(try DKIMTestVerifiers.dkimpy(mail, records: records))
        var resolver = StaticResolver()
        let text = Array(key.keyRecord.utf8)
        resolver.add(.txt(TXTRecord(strings: stride(from: 0, to: text.count, by: 255).map {
            Array(text[$0..<min($0 + 255, text.count)])
        })), at: "rep._domainkey.receiver.example")
        let (fields, bodyOffset) = try MessageHeaderParser.parse(mail)
        var verifier = DKIMVerifier(resolver: resolver)
        for field in fields { verifier.header(field) }
        verifier.endOfHeaders()
        verifier.body(mail[bodyOffset...])
        #expect(await verifier.finish().map(\.status) == [.pass])
        // And without a key the mail is as before
        let unsigned = try fixture.scheduler().mail(for: report, gzip: try ReportCompression.gzip(Array(Self.xml.utf8)),
                                                   to: ["dmarc@example.com"], date: Date())
        #expect(!String(decoding: unsigned, as: UTF8.self).contains("DKIM-Signature"))
    }
}
