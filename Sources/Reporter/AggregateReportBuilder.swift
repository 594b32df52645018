import Auth
import DNS
import Foundation
import Store

/// Aggregates the messages of one reporting window into one report per DMARC Policy Domain
/// (RFC 9990 §3.1, §3.1.2), with one record per distinct tuple and its message count.
///
/// Memory grows with the number of distinct tuples, not with the number of messages.
public struct AggregateReportBuilder: Sendable {
    /// The Mail Receiver that reports.
    public struct Reporter: Sendable, Hashable {
        /// `org_name`.
        public var orgName: String
        /// `email`: the address Domain Owners can write to.
        public var email: String
        /// The receiver's domain name, for the file name and the Subject's Submitter (RFC 9990
        /// §3.5.2 asks for a domain-name in both).
        public var domain: String
        public var extraContactInfo: String?
        /// `generator`, e.g. `dmarcd 1.0`.
        public var generator: String?

        public init(orgName: String, email: String, domain: String, extraContactInfo: String? = nil,
                    generator: String? = nil) {
            self.orgName = orgName
            self.email = email
            self.domain = domain
            self.extraContactInfo = extraContactInfo
            self.generator = generator
        }
    }

    /// What to do when one Policy Domain published different configurations in one window.
    /// RFC 9990 §3.1: "A single report MUST contain data for one policy configuration. If
    /// multiple configurations were observed during a single reporting period, a reporting
    /// entity MAY choose to send multiple reports; otherwise, the reporting entity SHOULD note
    /// only the final configuration observed during the period." (See also §3.3.)
    public enum PolicyChanges: Sendable, Hashable {
        /// One report per domain, carrying the configuration of the latest message.
        case finalConfiguration
        /// One report per domain and configuration, each with the messages evaluated under it.
        case reportPerConfiguration
    }

    /// The messages of one future report.
    private struct Group: Sendable {
        var policyDomain: String
        var policyPublished: HistoryRecord.PublishedPolicy
        var latest: Date
        var policyErrors: [String] = []
        var records: [AggregateReport.Record] = []
        /// Index into `records` by the record with its count set to 0.
        var recordIndex: [AggregateReport.Record: Int] = [:]
    }

    private struct GroupKey: Hashable, Sendable {
        var domain: String
        var configuration: HistoryRecord.PublishedPolicy?
    }

    public let reporter: Reporter
    public let dateRange: AggregateReport.DateRange
    public let policyChanges: PolicyChanges
    private var groups: [GroupKey: Group] = [:]

    public init(reporter: Reporter, dateRange: AggregateReport.DateRange, policyChanges: PolicyChanges = .finalConfiguration) {
        self.reporter = reporter
        self.dateRange = dateRange
        self.policyChanges = policyChanges
    }

    /// Counts one message.
    public mutating func add(_ message: AggregateReport.Message) {
        let domain = message.policyDomain.lowercased()
        let key = GroupKey(domain: domain,
                           configuration: policyChanges == .reportPerConfiguration ? message.policyPublished : nil)
        var group = groups[key] ?? Group(policyDomain: message.policyDomain, policyPublished: message.policyPublished,
                                         latest: message.time)
        if message.time >= group.latest {
            group.latest = message.time
            group.policyDomain = message.policyDomain
            group.policyPublished = message.policyPublished
        }
        for error in message.policyErrors where !group.policyErrors.contains(error) {
            group.policyErrors.append(error)
        }
        var tuple = message.record
        tuple.count = 0
        // Free text may differ between messages of one tuple; the first message's text stands.
        for index in tuple.dkim.indices { tuple.dkim[index].humanResult = nil }
        tuple.spf?.humanResult = nil
        if let index = group.recordIndex[tuple] {
            group.records[index].count += message.record.count
        } else {
            group.recordIndex[tuple] = group.records.count
            group.records.append(message.record)
        }
        groups[key] = group
    }

    /// The reports, ordered by Policy Domain, then by the time of each configuration's last
    /// message; records in the order their first message came.
    public func reports() -> [AggregateReport] {
        let ordered = groups.sorted { ($0.key.domain, $0.value.latest) < ($1.key.domain, $1.value.latest) }
        var seen: [String: Int] = [:]
        return ordered.map { key, group in
            let serial = seen[key.domain, default: 0] + 1
            seen[key.domain] = serial
            let metadata = AggregateReport.Metadata(
                orgName: reporter.orgName, email: reporter.email, extraContactInfo: reporter.extraContactInfo,
                reportID: Self.reportID(dateRange: dateRange, serial: serial),
                dateRange: dateRange,
                error: group.policyErrors.isEmpty ? nil : group.policyErrors.joined(separator: "; "),
                generator: reporter.generator)
            return AggregateReport(metadata: metadata, policyDomain: group.policyDomain, policyPublished: group.policyPublished,
                                   records: group.records)
        }
    }

    /// A Report-ID that is unique among the reports to one domain (RFC 9990 §3.5.1) and the same
    /// whenever the same report is built again, so that a re-sent report keeps its file name
    /// (RFC 9990 §3.5.2). It is letters and digits only: RFC 9990 §3.1.4 wants it identical to
    /// the file name's unique-id, which allows nothing else.
    public static func reportID(dateRange: AggregateReport.DateRange, serial: Int = 1) -> String {
        let base = "\(dateRange.begin)to\(dateRange.end)"
        return serial == 1 ? base : base + "n\(serial)"
    }
}
