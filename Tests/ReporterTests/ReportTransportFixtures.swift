import Foundation
import Reporter
import Testing
import TestSupport

/// Report mail for transport tests: a real aggregate report message with a marker field first,
/// so that a test finds its own message in a mailbox.
enum ReportTransportFixtures {
    static let sender = "dmarc-reports@mx.receiver.example"

    static func reportMessage(to recipients: [String], marker: String) throws -> [UInt8] {
        let report = try ReportTestMessages.mixedReport()
        let mail = AggregateReportMail(from: "DMARC Reports <\(sender)>", to: recipients,
                                       receiver: "mx.receiver.example", date: Date(timeIntervalSince1970: 1_764_374_460))
        let message = try mail.message(for: report, gzipData: try ReportCompression.gzip(AggregateReportXMLWriter.xml(report)))
        return Array("X-Test-Marker: \(marker)\r\n".utf8) + message
    }

    /// A unique marker for one test's message.
    static func marker(_ test: String) -> String {
        "\(test)-\(UUID().uuidString)"
    }
}

/// One throwaway Postfix for a whole suite of transport tests, because its start script takes
/// seconds: a listener without milters that offers STARTTLS with a self-signed certificate and
/// refuses two chosen recipients, one for good and one for now.
final class ReportPostfix: Sendable {
    @TaskLocal static var current: ReportPostfix?

    static let listener = "reports"
    static let mailbox = "dmarc@e2e.example"
    static let refusedForGood = "gone@e2e.example"
    static let refusedForNow = "busy@e2e.example"

    let certificate: SelfSignedCertificate
    let postfix: PostfixTestServer

    init() throws {
        certificate = try SelfSignedCertificate()
        do {
            postfix = try PostfixTestServer(
                listeners: [Self.listener: ""], tlsCertificate: certificate,
                recipientAccess: [Self.refusedForGood: "550 5.1.1 no such mailbox",
                                  Self.refusedForNow: "450 4.2.1 mailbox busy"])
        } catch {
            certificate.remove()
            throw error
        }
    }

    var port: Int { Int(postfix.port(Self.listener)) }

    func stop() {
        postfix.stop()
        certificate.remove()
    }

    /// Starts Postfix around the whole suite and stops it afterwards, whether tests failed or not.
    struct Scope: SuiteTrait, TestScoping {
        func provideScope(for test: Test, testCase: Test.Case?,
                          performing function: @Sendable () async throws -> Void) async throws {
            let postfix = try ReportPostfix()
            defer { postfix.stop() }
            try await ReportPostfix.$current.withValue(postfix) {
                try await function()
            }
        }
    }

    static var scope: Scope { Scope() }
}
