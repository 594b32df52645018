import Auth
import DNS
import Store

/// One DMARC aggregate report (RFC 9990 §3.1): the reporter's metadata, the one policy
/// configuration of the one DMARC Policy Domain it covers, and the records of the messages seen.
///
/// The same value comes out of ``AggregateReportBuilder`` (reports we send) and
/// ``AggregateReportXMLReader`` (reports we receive), and goes into ``AggregateReportXMLWriter``.
public struct AggregateReport: Sendable, Hashable {
    /// The reporting window in seconds since the epoch (RFC 9990 §3.1.1.4).
    public struct DateRange: Sendable, Hashable {
        public var begin: Int64
        public var end: Int64

        public init(begin: Int64, end: Int64) {
            self.begin = begin
            self.end = end
        }
    }

    /// Who reports, about which window (RFC 9990 §3.1.1.3).
    public struct Metadata: Sendable, Hashable {
        /// The Reporting Organization's name.
        public var orgName: String
        /// The address to contact the Reporting Organization at.
        public var email: String
        public var extraContactInfo: String?
        /// Unique among the reports to one domain (RFC 9990 §3.5.1).
        public var reportID: String
        public var dateRange: DateRange
        /// Problems met with the DMARC Policy Record (RFC 9990 §3.1.5); the schema allows one
        /// `error` element, so several are joined.
        public var error: String?
        /// The name and version of the software that wrote the report.
        public var generator: String?

        public init(orgName: String, email: String, extraContactInfo: String? = nil, reportID: String,
                    dateRange: DateRange, error: String? = nil, generator: String? = nil) {
            self.orgName = orgName
            self.email = email
            self.extraContactInfo = extraContactInfo
            self.reportID = reportID
            self.dateRange = dateRange
            self.error = error
            self.generator = generator
        }
    }

    /// The schema version a report declares (`<version>`); ours is always `1.0` (RFC 9990
    /// §3.1.1.2), received reports may say otherwise or nothing.
    public var version: String?
    public var metadata: Metadata
    /// The DMARC Policy Domain the report is about (`policy_published/domain`).
    public var policyDomain: String
    /// Its policy configuration as reported (``HistoryRecord/PublishedPolicy/asReported``).
    public var policyPublished: HistoryRecord.PublishedPolicy
    public var records: [Record]

    public init(version: String? = AggregateReport.currentVersion, metadata: Metadata, policyDomain: String,
                policyPublished: HistoryRecord.PublishedPolicy, records: [Record]) {
        self.version = version
        self.metadata = metadata
        self.policyDomain = policyDomain
        self.policyPublished = policyPublished
        self.records = records
    }

    /// The only version RFC 9990 §3.1.1.2 allows.
    public static let currentVersion = "1.0"

    /// The RFC 9990 XML namespace (§6.1).
    public static let namespace = "urn:ietf:params:xml:ns:dmarc-2.0"

    /// The number of messages the report covers.
    public var messageCount: Int { records.reduce(0) { $0 + $1.count } }
}
