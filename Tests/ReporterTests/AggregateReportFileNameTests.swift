import Reporter
import Testing

@Suite struct AggregateReportFileNameTests {
    @Test func theRFC9990ExampleName() throws {
        // RFC 9990 §3.5.2's example
        let name = try AggregateReportFileName(receiver: "mail.receiver.example", policyDomain: "example.com",
                                               begin: 1013662812, end: 1013749130, uniqueID: nil)
        #expect(name.description == "mail.receiver.example!example.com!1013662812!1013749130.xml.gz")
    }

    @Test func aReportsNameCarriesItsReportID() throws {
        let report = try ReportTestMessages.mixedReport()
        let name = try AggregateReportFileName(report: report, receiver: "mx.receiver.example")
        #expect(name.description == "mx.receiver.example!example.com!1764288000!1764374399!1764288000to1764374399.xml.gz")
        let plain = try AggregateReportFileName(report: report, receiver: "mx.receiver.example", fileExtension: .xml)
        #expect(plain.description.hasSuffix("!1764288000to1764374399.xml"))
    }

    @Test(arguments: [
        ("receiver!evil.example", "example.com", "abc"),
        ("mx.receiver.example", "../example.com", "abc"),
        ("mx.receiver.example", "example.com", "abc-def"),
        ("mx.receiver.example", "example.com", ""),
        ("localhost", "example.com", "abc"),
        ("mx.receiver.example", "-bad.example.com", "abc"),
    ])
    func partsOutsideTheGrammarAreRefused(receiver: String, policyDomain: String, uniqueID: String) {
        #expect(throws: AggregateReportFileName.Invalid.self) {
            try AggregateReportFileName(receiver: receiver, policyDomain: policyDomain, begin: 1, end: 2, uniqueID: uniqueID)
        }
    }
}
