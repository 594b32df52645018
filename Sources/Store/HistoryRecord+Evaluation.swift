import Auth
import Foundation

extension HistoryRecord {
    /// The record of a message the milter checked. `discoveryMethod` says how this daemon finds
    /// policies (its DMARC standard), which the evaluation itself does not carry.
    public init(_ evaluation: MessageEvaluation, discoveryMethod: DiscoveryMethod) {
        let verdict = evaluation.verdict
        let dmarc = verdict.dmarc
        self.init(
            time: evaluation.time,
            queueID: evaluation.queueID,
            clientIP: evaluation.envelope.clientIP.map { "\($0)" },
            helo: evaluation.envelope.helo,
            mailFromDomain: evaluation.mailFromDomain,
            recipientDomains: evaluation.recipientDomains,
            headerFromDomain: dmarc.authorDomain,
            policyDomain: dmarc.policyDomain,
            policy: dmarc.record.map { PublishedPolicy($0, discoveryMethod: discoveryMethod) },
            spf: verdict.spf.map { SPF($0) },
            dkim: verdict.dkim.map { DKIMSignature($0) },
            // RFC 8617 §4.4's status names are the ones the column takes.
            arcResult: verdict.arc.status.rawValue,
            dmarcResult: dmarc.result,
            spfAligned: dmarc.spfAligned,
            dkimAligned: dmarc.dkimAligned,
            requestedDisposition: dmarc.disposition,
            disposition: evaluation.disposition,
            overrideReason: evaluation.overrideReason,
            overrideComment: evaluation.overrideComment,
            fromField: evaluation.fromField, subject: evaluation.subject, explanation: verdict.explanation)
    }
}

extension HistoryRecord.PublishedPolicy {
    /// The policy as `record` publishes it, found as `discoveryMethod` says.
    public init(_ record: DMARCRecord, discoveryMethod: HistoryRecord.DiscoveryMethod?) {
        self.init(
            p: record.policy, sp: record.subdomainPolicy, np: record.nonExistentSubdomainPolicy,
            adkim: record.dkimAlignment, aspf: record.spfAlignment, isTesting: record.isTesting,
            percent: record.percent, publicSuffix: record.publicSuffix,
            failureReportOptions: record.failureReportOptions.map(\.rawValue).joined(separator: ":"),
            aggregateReportURIs: record.aggregateReportURIs.map(\.description),
            failureReportURIs: record.failureReportURIs.map(\.description),
            discoveryMethod: discoveryMethod)
    }
}

extension HistoryRecord.SPF {
    init(_ outcome: SPFOutcome) {
        // SPFResult's names are RFC 9990's SPFResultType names.
        self.init(domain: outcome.domain, scope: outcome.identity == .helo ? .helo : .mfrom,
                  result: outcome.result.rawValue, humanResult: outcome.reason ?? outcome.mechanism)
    }
}

extension HistoryRecord.DKIMSignature {
    init(_ result: DKIMResult) {
        // DKIMResult.Status's names are RFC 9990's DKIMResultType names.
        self.init(domain: result.domain?.lowercased(), selector: result.selector, result: result.status.rawValue,
                  keyBits: result.key?.bits, humanResult: result.failure.map { "\($0)" })
    }
}
