import Auth
import DNS
import Store

extension AggregateReport.Message {
    /// Why a stored message gets no row in an aggregate report.
    public enum Exclusion: Sendable, Hashable, CustomStringConvertible {
        /// No client address, Author Domain or DMARC Policy Record: nothing to write and no one
        /// to send it to.
        case incomplete
        /// A null reverse-path: delivery status notifications and other automatic replies. A
        /// report about them would answer automatic mail with automatic mail, the loop RFC 3834
        /// §2 warns against, and tells the Domain Owner nothing about its own senders.
        case nullReversePath

        public var description: String {
            switch self {
            case .incomplete: "no client address, Author Domain or policy record"
            case .nullReversePath: "null reverse-path (a DSN or other automatic reply)"
            }
        }
    }

    /// Whether `record` belongs in an aggregate report, and if not why.
    public static func exclusion(of record: HistoryRecord) -> Exclusion? {
        guard record.clientIP.flatMap({ IPAddress($0) }) != nil, record.headerFromDomain != nil,
              record.policyDomain != nil, record.policy != nil
        else { return .incomplete }
        return record.mailFromDomain == nil ? .nullReversePath : nil
    }

    /// The contribution of one stored message, or nil when ``exclusion(of:)`` keeps it out.
    public init?(historyRecord record: HistoryRecord) {
        guard Self.exclusion(of: record) == nil, let sourceIP = record.clientIP.flatMap({ IPAddress($0) }),
              let headerFrom = record.headerFromDomain, let policyDomain = record.policyDomain,
              let policy = record.policy
        else { return nil }
        let reasons = record.overrideReason.map { [AggregateReport.Record.Reason(type: $0, comment: record.overrideComment)] } ?? []
        // As for a live message: a message to several recipient domains has no one envelope_to.
        let envelopeTo = record.recipientDomains.count == 1 ? record.recipientDomains[0] : nil
        let spf = record.spf.flatMap { spf -> AggregateReport.Record.SPFResult? in
            // RFC 9990 §3.1.1.13 reports the MAIL FROM identity only; the schema's scope has no `helo`.
            guard spf.scope == .mfrom, let result = DMARCAuthResult(rawValue: spf.result) else { return nil }
            return .init(domain: spf.domain, result: result, humanResult: result == .pass ? nil : spf.humanResult)
        }
        let reportRecord = AggregateReport.Record(
            sourceIP: sourceIP, count: 1, disposition: record.disposition, dkimAligned: record.dkimAligned,
            spfAligned: record.spfAligned, reasons: reasons, headerFrom: headerFrom,
            envelopeFrom: record.mailFromDomain, envelopeTo: envelopeTo,
            dkim: Self.dkimResults(record.dkim, headerFrom: headerFrom), spf: spf)
        self.init(time: record.time, policyDomain: policyDomain, policyPublished: policy.asReported, record: reportRecord)
    }

    /// The stored signatures in RFC 9990 §3.1.3's order of preference, as far as the history
    /// tells it: passes for the Author Domain itself, then for a parent or child of it, then other
    /// passes, then the rest; at most ``maximumDKIMResults``. A signature without `d=` has no
    /// domain to report.
    static func dkimResults(_ signatures: [HistoryRecord.DKIMSignature], headerFrom: String) -> [AggregateReport.Record.DKIMResult] {
        func rank(_ signature: HistoryRecord.DKIMSignature) -> Int {
            guard signature.result == DMARCAuthResult.pass.rawValue, let domain = signature.domain else { return 3 }
            if domain == headerFrom { return 0 }
            return headerFrom.hasSuffix("." + domain) || domain.hasSuffix("." + headerFrom) ? 1 : 2
        }
        let ranked = signatures.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
        return ranked.compactMap { ranking -> AggregateReport.Record.DKIMResult? in
            let signature = ranking.element
            guard let domain = signature.domain, let result = DMARCAuthResult(rawValue: signature.result) else { return nil }
            return .init(domain: domain, selector: signature.selector, result: result,
                         humanResult: result == .pass ? nil : signature.humanResult)
        }.prefix(maximumDKIMResults).map { $0 }
    }
}
