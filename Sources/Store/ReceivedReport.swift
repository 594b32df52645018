import Auth
import DNS
import Foundation

/// An aggregate report another organization sent about one of our domains (RFC 9990 §3.1), as
/// the history keeps it: Reporter reads the XML and hands the values over in this form, so the
/// store needs nothing of Reporter.
public struct ReceivedReport: Sendable, Hashable {
    /// The messages from one source address that share one evaluation (RFC 9990 §3.1.1.7).
    public struct Record: Sendable, Hashable {
        /// Why the disposition differs from the published policy (RFC 9990 §3.1.6).
        public struct Reason: Sendable, Hashable {
            public var type: MessageEvaluation.OverrideReason
            public var comment: String?

            public init(type: MessageEvaluation.OverrideReason, comment: String? = nil) {
                self.type = type
                self.comment = comment
            }
        }

        /// One DKIM signature's result (RFC 9990 §3.1.1.12).
        public struct DKIMResult: Sendable, Hashable {
            public var domain: String
            public var selector: String?
            public var result: DMARCAuthResult
            public var humanResult: String?

            public init(domain: String, selector: String?, result: DMARCAuthResult, humanResult: String? = nil) {
                self.domain = domain
                self.selector = selector
                self.result = result
                self.humanResult = humanResult
            }
        }

        /// The SPF result (RFC 9990 §3.1.1.13).
        public struct SPFResult: Sendable, Hashable {
            public var domain: String
            /// `mfrom`, or `helo` in some RFC 7489 reports.
            public var scope: String?
            public var result: DMARCAuthResult
            public var humanResult: String?

            public init(domain: String, scope: String?, result: DMARCAuthResult, humanResult: String? = nil) {
                self.domain = domain
                self.scope = scope
                self.result = result
                self.humanResult = humanResult
            }
        }

        public var sourceIP: IPAddress
        public var count: Int
        public var disposition: MessageEvaluation.Disposition
        public var dkimAligned: Bool
        public var spfAligned: Bool
        public var reasons: [Reason]
        public var headerFrom: String
        /// "" for the null reverse-path, nil when not reported.
        public var envelopeFrom: String?
        public var envelopeTo: String?
        public var dkim: [DKIMResult]
        public var spf: [SPFResult]

        public init(sourceIP: IPAddress, count: Int, disposition: MessageEvaluation.Disposition, dkimAligned: Bool,
                    spfAligned: Bool, reasons: [Reason] = [], headerFrom: String, envelopeFrom: String? = nil,
                    envelopeTo: String? = nil, dkim: [DKIMResult] = [], spf: [SPFResult] = []) {
            self.sourceIP = sourceIP
            self.count = count
            self.disposition = disposition
            self.dkimAligned = dkimAligned
            self.spfAligned = spfAligned
            self.reasons = reasons
            self.headerFrom = headerFrom
            self.envelopeFrom = envelopeFrom
            self.envelopeTo = envelopeTo
            self.dkim = dkim
            self.spf = spf
        }
    }

    /// Where and when a report came in.
    public struct Receipt: Sendable, Hashable {
        /// A file path, or the mail system's queue id.
        public var source: String
        public var receivedAt: Date
        /// The size of what arrived (file, message or attachment), before unpacking.
        public var rawSize: Int

        public init(source: String, receivedAt: Date, rawSize: Int) {
            self.source = source
            self.receivedAt = receivedAt
            self.rawSize = rawSize
        }
    }

    /// A report as stored, with its receipt.
    public struct Stored: Sendable, Hashable {
        public var report: ReceivedReport
        public var receipt: Receipt

        public init(report: ReceivedReport, receipt: Receipt) {
            self.report = report
            self.receipt = receipt
        }
    }

    /// What ``HistoryStore/storeReceivedReport(_:receipt:)`` did.
    public enum Storing: Sendable, Hashable {
        case inserted
        /// The same reporter sent a report with the same `report_id` before (RFC 9990 §3.1.1.3:
        /// unique per reporter); the first copy stays.
        case duplicate
    }

    public var orgName: String
    public var email: String
    public var extraContactInfo: String?
    public var reportID: String
    /// The reporting window, seconds since the epoch.
    public var begin: Int64
    public var end: Int64
    public var error: String?
    public var generator: String?
    public var version: String?
    /// The DMARC Policy Domain (`policy_published/domain`).
    public var policyDomain: String
    public var policyPublished: HistoryRecord.PublishedPolicy
    public var records: [Record]

    public init(orgName: String, email: String, extraContactInfo: String? = nil, reportID: String, begin: Int64,
                end: Int64, error: String? = nil, generator: String? = nil, version: String? = nil,
                policyDomain: String, policyPublished: HistoryRecord.PublishedPolicy, records: [Record]) {
        self.orgName = orgName
        self.email = email
        self.extraContactInfo = extraContactInfo
        self.reportID = reportID
        self.begin = begin
        self.end = end
        self.error = error
        self.generator = generator
        self.version = version
        self.policyDomain = policyDomain
        self.policyPublished = policyPublished
        self.records = records
    }

    /// The number of messages the report covers.
    public var messageCount: Int { records.reduce(0) { $0 + $1.count } }
}
