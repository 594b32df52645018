import Store

extension AggregateReport {
    /// The report in the form the history stores reports we receive.
    public var receivedReport: ReceivedReport {
        ReceivedReport(
            orgName: metadata.orgName, email: metadata.email, extraContactInfo: metadata.extraContactInfo,
            reportID: metadata.reportID, begin: metadata.dateRange.begin, end: metadata.dateRange.end,
            error: metadata.error, generator: metadata.generator, version: version, policyDomain: policyDomain,
            policyPublished: policyPublished,
            records: records.map { record in
                ReceivedReport.Record(
                    sourceIP: record.sourceIP, count: record.count, disposition: record.disposition,
                    dkimAligned: record.dkimAligned, spfAligned: record.spfAligned,
                    reasons: record.reasons.map { .init(type: $0.type, comment: $0.comment) },
                    headerFrom: record.headerFrom, envelopeFrom: record.envelopeFrom, envelopeTo: record.envelopeTo,
                    dkim: record.dkim.map { .init(domain: $0.domain, selector: $0.selector, result: $0.result, humanResult: $0.humanResult) },
                    spf: record.spf.map { [.init(domain: $0.domain, scope: $0.scope, result: $0.result, humanResult: $0.humanResult)] } ?? [])
            })
    }
}
