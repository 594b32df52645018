import Auth
import DNS
import Foundation
import Reporter
import Testing

/// Evaluated messages as the milter hands them to the history, built from their parts.
enum ReportTestMessages {
    static let reporter = AggregateReportBuilder.Reporter(
        orgName: "Example Receiver", email: "dmarc-reports@mx.receiver.example", domain: "mx.receiver.example",
        generator: "dmarcd test")

    /// 2025-11-28 00:00:00 UTC to 23:59:59 UTC.
    static let window = AggregateReport.DateRange(begin: 1_764_288_000, end: 1_764_374_399)

    static func time(_ secondsIntoWindow: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(window.begin) + TimeInterval(secondsIntoWindow))
    }

    /// One message from `ip` with `From: …@headerFrom`, judged under the record `dmarcRecord`
    /// found at `policyDomain`.
    static func evaluation(
        at seconds: Int = 60, ip: String = "192.0.2.10", headerFrom: String = "example.com",
        policyDomain: String = "example.com", dmarcRecord: String = "v=DMARC1; p=reject; rua=mailto:d@example.com",
        mailFrom: String = "<bounce@example.com>", recipients: [String] = ["receiver.example"],
        spf: (result: DMARCAuthResult, domain: String, aligned: Bool)? = (.pass, "example.com", true),
        dkim: [(result: DMARCAuthResult, domain: String, selector: String, alignment: DMARCIdentifierCheck.Alignment)] = [],
        result: DMARCResult = .pass, disposition: MessageEvaluation.Disposition = .pass,
        override: MessageEvaluation.OverrideReason? = nil, overrideComment: String? = nil
    ) throws -> MessageEvaluation {
        let record = try DMARCRecord(parsing: dmarcRecord)
        var outcome = DMARCOutcome(result: result, disposition: .none, authorDomain: headerFrom)
        outcome.policyDomain = policyDomain
        outcome.record = record
        if let spf {
            outcome.spf = DMARCIdentifierCheck(mechanism: .spf(.mailFrom), domain: spf.domain, result: spf.result,
                                               mode: record.spfAlignment,
                                               alignment: spf.aligned ? .strict : .notAligned(organizationalDomain: nil))
        }
        outcome.dkim = dkim.map {
            DMARCIdentifierCheck(mechanism: .dkim(selector: $0.selector), domain: $0.domain, result: $0.result,
                                 mode: record.dkimAlignment, alignment: $0.alignment)
        }
        let address = IPAddress(ip)!
        let spfOutcome = spf.map {
            SPFOutcome(result: SPFResult(rawValue: $0.result.rawValue) ?? .none, identity: .mailFrom, domain: $0.domain,
                       sender: mailFrom, clientIP: address)
        }
        let dkimResults = dkim.map {
            DKIMResult(status: DKIMResult.Status(rawValue: $0.result.rawValue) ?? .fail, domain: $0.domain, selector: $0.selector)
        }
        let verdict = MessageVerdict(authservID: "mx.receiver.example", spf: spfOutcome, dkim: dkimResults,
                                     arc: ARCResult(status: .none, reason: "no ARC fields"), dmarc: outcome,
                                     forgedAuthenticationResults: [])
        return MessageEvaluation(
            time: time(seconds), queueID: nil,
            envelope: MessageAuthenticator.Envelope(clientIP: address, helo: "mail.example.com", mailFrom: mailFrom),
            recipientDomains: recipients, verdict: verdict, disposition: disposition,
            overrideReason: override, overrideComment: overrideComment)
    }

    static func message(_ evaluation: MessageEvaluation) -> AggregateReport.Message {
        AggregateReport.Message(evaluation: evaluation, discoveryMethod: .treewalk)!
    }

    /// A report over several sources, results and odd values: aligned and unaligned passes,
    /// failures with each disposition, override reasons, IPv6, the null sender, text that needs
    /// escaping.
    static func mixedReport() throws -> AggregateReport {
        var builder = AggregateReportBuilder(reporter: reporter, dateRange: window)
        let evaluations: [MessageEvaluation] = [
            try evaluation(dkim: [(.pass, "example.com", "s1", .strict)]),
            try evaluation(dkim: [(.pass, "example.com", "s1", .strict)]),
            try evaluation(dkim: [(.pass, "example.com", "s1", .strict)]),
            try evaluation(ip: "2001:db8::25", headerFrom: "news.example.com", mailFrom: "<>",
                           spf: (.none, "mail.example.com", false),
                           dkim: [(.pass, "esp.example.net", "x<&>\"", .notAligned(organizationalDomain: "example.net")),
                                  (.pass, "example.com", "s2", .relaxed(organizationalDomain: "example.com"))]),
            try evaluation(ip: "198.51.100.7", spf: (.softfail, "forger.example", false),
                           dkim: [(.fail, "example.com", "s1", .strict)], result: .fail, disposition: .reject),
            try evaluation(ip: "198.51.100.8", spf: (.fail, "example.com", true), result: .fail,
                           disposition: .none, override: .localPolicy, overrideComment: "whitelisted <partner> & co"),
            try evaluation(ip: "198.51.100.9", recipients: ["a.example", "b.example"], spf: (.temperror, "example.com", false),
                           result: .fail, disposition: .quarantine),
        ]
        for evaluation in evaluations { builder.add(message(evaluation)) }
        return try #require(builder.reports().first)
    }
}
