import Auth
import DNS
import Foundation
import Store

/// A database file in a fresh temporary directory, removed with the directory.
final class TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("dmarcd.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

enum Sample {
    static let published = try! DMARCRecord(parsing:
        "v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:dmarc@example.com,mailto:agg@reports.example; fo=1:d")

    /// A message from example.com checked by the milter: SPF as given, one DKIM signature that
    /// passed with a 2048-bit key, DMARC as given.
    static func evaluation(time: Date = Date(), queueID: String = "4ABC123DEF", clientIP: String = "192.0.2.10",
                           fromDomain: String = "example.com", dmarc result: DMARCResult = .pass,
                           spf spfResult: SPFResult = .pass) -> MessageEvaluation {
        let spf = SPFOutcome(result: spfResult, identity: .mailFrom, domain: fromDomain, sender: "bounce@\(fromDomain)",
                             clientIP: IPAddress(clientIP)!, matches: [.init(domain: fromDomain, directive: "ip4:192.0.2.0/24")])
        let dkim = DKIMResult(status: .pass, domain: fromDomain, selector: "sel", algorithm: "rsa-sha256",
                              key: .init(type: "rsa", bits: 2048, isTesting: false))
        var dmarc = DMARCOutcome(result: result, disposition: result == .fail ? .reject : .none, authorDomain: fromDomain)
        dmarc.policyDomain = fromDomain
        dmarc.record = published
        dmarc.spf = DMARCIdentifierCheck(mechanism: .spf(.mailFrom), domain: fromDomain,
                                         result: spfResult == .pass ? .pass : .fail, mode: .relaxed,
                                         alignment: result == .pass ? .strict : .notAligned(organizationalDomain: nil))
        let verdict = MessageVerdict(authservID: "mx.example.test", spf: spf, dkim: result == .pass ? [dkim] : [],
                                     dmarc: dmarc, forgedAuthenticationResults: [])
        return MessageEvaluation(
            time: time, queueID: queueID,
            envelope: .init(clientIP: IPAddress(clientIP), helo: "mail.\(fromDomain)", mailFrom: "<bounce@\(fromDomain)>"),
            recipientDomains: ["example.net", "example.org"], verdict: verdict,
            disposition: result == .pass ? .pass : .none,
            overrideReason: result == .fail ? .localPolicy : nil,
            overrideComment: result == .fail ? "RejectFailures is off" : nil)
    }

    static func record(time: Date = Date(), queueID: String = "4ABC123DEF", fromDomain: String = "example.com",
                       dmarc result: DMARCResult = .pass) -> HistoryRecord {
        HistoryRecord(evaluation(time: time, queueID: queueID, fromDomain: fromDomain, dmarc: result),
                      discoveryMethod: .treewalk)
    }
}
