import Auth
import DNS
import Foundation
import Store

extension AggregateReport {
    /// What one message, or a group of alike messages, contributes to an aggregate report: the
    /// policy configuration it was evaluated under and the tuple its record is grouped by.
    public struct Message: Sendable, Hashable {
        /// When the message was evaluated; the latest message decides the reported configuration
        /// (RFC 9990 §3.1).
        public var time: Date
        /// The DMARC Policy Domain.
        public var policyDomain: String
        /// Its record as seen for this message, as reported.
        public var policyPublished: HistoryRecord.PublishedPolicy
        /// Problems with the published record (RFC 9990 §3.1.5), e.g. `sp=maybe: not a policy`.
        public var policyErrors: [String]
        /// The message's record. Its ``Record/count`` is 1 for one message; a row the history has
        /// already grouped carries the number of its messages.
        public var record: Record

        public init(time: Date, policyDomain: String, policyPublished: HistoryRecord.PublishedPolicy,
                    policyErrors: [String] = [], record: Record) {
            self.time = time
            self.policyDomain = policyDomain
            self.policyPublished = policyPublished
            self.policyErrors = policyErrors
            self.record = record
        }

        /// RFC 9990 §3.1.3: at most this many DKIM signatures per row.
        public static let maximumDKIMResults = 100

        /// The contribution of one evaluated message, or nil when it belongs in no aggregate
        /// report: without a client address, an Author Domain, or a DMARC Policy Record there is
        /// no row to write and no one to send it to.
        public init?(evaluation: MessageEvaluation, discoveryMethod: HistoryRecord.DiscoveryMethod?) {
            let dmarc = evaluation.verdict.dmarc
            guard let sourceIP = evaluation.envelope.clientIP, let headerFrom = dmarc.authorDomain,
                  let policyDomain = dmarc.policyDomain, let dmarcRecord = dmarc.record else { return nil }
            let reasons = evaluation.overrideReason.map { [Record.Reason(type: $0, comment: evaluation.overrideComment)] } ?? []
            // A message to several recipient domains has no one envelope_to; naming only one of
            // them would tell the Domain Owner something untrue about the others.
            let envelopeTo = evaluation.recipientDomains.count == 1 ? evaluation.recipientDomains[0] : nil
            let record = Record(
                sourceIP: sourceIP, count: 1, disposition: evaluation.disposition,
                dkimAligned: dmarc.dkimAligned, spfAligned: dmarc.spfAligned, reasons: reasons,
                headerFrom: headerFrom,
                // RFC 9990 §3.1.1.10: present but empty for the null reverse-path.
                envelopeFrom: evaluation.mailFromDomain ?? "",
                envelopeTo: envelopeTo,
                dkim: Self.dkimResults(dmarc.dkim, verified: evaluation.verdict.dkim),
                spf: Self.spfResult(dmarc.spf, outcome: evaluation.verdict.spf))
            self.init(time: evaluation.time,
                      policyDomain: policyDomain,
                      policyPublished: HistoryRecord.PublishedPolicy(dmarcRecord, discoveryMethod: discoveryMethod).asReported,
                      policyErrors: dmarcRecord.problems.map(\.description),
                      record: record)
        }

        /// The signatures in RFC 9990 §3.1.3's order of preference (aligned passes, strict before
        /// relaxed, then other passes, then the rest), at most ``maximumDKIMResults``.
        static func dkimResults(_ checks: [DMARCIdentifierCheck], verified: [Auth.DKIMResult]) -> [Record.DKIMResult] {
            func rank(_ check: DMARCIdentifierCheck) -> Int {
                guard check.result == .pass else { return 3 }
                switch check.alignment {
                case .strict: return 0
                case .relaxed: return 1
                default: return 2
                }
            }
            let ranked = checks.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
            return ranked.prefix(maximumDKIMResults).map { ranking in
                let check = ranking.element
                let selector: String? = if case .dkim(let selector) = check.mechanism { selector } else { nil }
                let failure = verified.first {
                    $0.status != .pass && $0.domain?.lowercased() == check.domain && $0.selector == selector
                }
                return Record.DKIMResult(domain: check.domain, selector: selector, result: check.result,
                                         humanResult: failure.map(\.reason))
            }
        }

        /// The SPF result DMARC used; when DMARC used none but SPF ran, SPF's own result, since
        /// auth_results reports checks "uninterpreted with respect to DMARC" (RFC 9990 §3.1.1.11).
        static func spfResult(_ check: DMARCIdentifierCheck?, outcome: SPFOutcome?) -> Record.SPFResult? {
            let humanResult = outcome.flatMap { $0.result == .pass ? nil : $0.reason }
            if let check {
                return Record.SPFResult(domain: check.domain, result: check.result, humanResult: humanResult)
            }
            guard let outcome, let result = DMARCAuthResult(rawValue: outcome.result.rawValue) else { return nil }
            return Record.SPFResult(domain: outcome.domain, result: result, humanResult: humanResult)
        }
    }
}
