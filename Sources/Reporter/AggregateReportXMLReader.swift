import Auth
import DNS
import Foundation
import Store

/// Reads aggregate reports: ours, RFC 9990 reports in the `dmarc-2.0` namespace, and the
/// un-namespaced `<feedback>` of RFC 7489 that most reporters still send.
///
/// RFC 9990 §3.1.1 lets an evaluator "try to utilize some of the data" of a report that strays
/// from the schema, so the reader takes values in any case, elements in any order and unknown
/// elements (extensions, RFC 7489's `pct`) without complaint; what it cannot make sense of is a
/// ``ReadError`` that names the element, never a crash. RFC 9990 §8.1 warns of resource
/// exhaustion, hence ``Limits``.
public enum AggregateReportXMLReader {
    /// Bounds checked before and while parsing.
    public struct Limits: Sendable, Hashable {
        /// The largest document read.
        public var maximumBytes: Int
        /// The deepest element nesting read (a report needs 5; extensions get some more).
        public var maximumDepth: Int
        /// The most `record` elements read from one report.
        public var maximumRecords: Int

        public init(maximumBytes: Int = 64 << 20, maximumDepth: Int = 32, maximumRecords: Int = 100_000) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
            self.maximumRecords = maximumRecords
        }
    }

    /// Why a document is not a usable aggregate report.
    public struct ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String

        init(_ description: String) {
            self.description = description
        }
    }

    /// The namespaces a `feedback` root may carry: none, RFC 7489's, the one of the working
    /// group's drafts before RFC 9990, and RFC 9990's.
    static let acceptedNamespaces: Set<String?> = [
        nil, "http://dmarc.org/dmarc-xml/0.1", "http://dmarc.org/dmarc-xml/0.2", AggregateReport.namespace,
    ]

    /// Parses one report document.
    public static func read(_ data: Data, limits: Limits = Limits()) throws -> AggregateReport {
        guard !data.isEmpty else { throw ReadError("the document is empty") }
        guard data.count <= limits.maximumBytes else {
            throw ReadError("the document has \(data.count) bytes, more than the limit of \(limits.maximumBytes)")
        }
        let tree: XMLElementTree
        do {
            tree = try XMLElementTree(data: data, maximumDepth: limits.maximumDepth)
        } catch let error as XMLElementTree.ParseError {
            // The repairs only run on what does not parse, and their result must parse by itself.
            guard let repaired = AggregateReportXMLRepair.repaired(data),
                  let repairedTree = try? XMLElementTree(data: repaired, maximumDepth: limits.maximumDepth)
            else { throw ReadError(error.description) }
            tree = repairedTree
        }
        let root = tree.root
        guard root.name == "feedback", acceptedNamespaces.contains(root.namespace) else {
            throw ReadError("the root element is <\(root.name)>\(root.namespace.map { " in namespace \($0)" } ?? ""), not <feedback>")
        }
        let version = root.value("version")
        let metadata = try self.metadata(try required(root, "report_metadata"))
        let published = try required(root, "policy_published")
        let policy = try policyPublished(published)
        let recordElements = root.children("record")
        guard recordElements.count <= limits.maximumRecords else {
            throw ReadError("the report has \(recordElements.count) records, more than the limit of \(limits.maximumRecords)")
        }
        var records: [AggregateReport.Record] = []
        // A record of no messages says nothing; some reporters fill an empty report with one whose
        // other values are empty too.
        for (index, element) in recordElements.enumerated() where element.child("row")?.value("count") != "0" {
            do {
                records.append(try record(element))
            } catch let error as ReadError {
                throw ReadError("record \(index + 1): \(error.description)")
            }
        }
        return AggregateReport(version: version?.isEmpty == true ? nil : version, metadata: metadata,
                               policyDomain: try requiredValue(published, "domain").lowercased(), policyPublished: policy,
                               records: records)
    }

    private static func metadata(_ element: XMLElementTree.Element) throws -> AggregateReport.Metadata {
        let dateRange = try required(element, "date_range")
        let errors = element.children("error").map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        return AggregateReport.Metadata(
            orgName: try requiredValue(element, "org_name"),
            // Some reporters leave the contact out; the report is still worth reading.
            email: element.value("email") ?? "",
            extraContactInfo: nonEmpty(element.value("extra_contact_info")),
            reportID: try requiredValue(element, "report_id"),
            dateRange: AggregateReport.DateRange(begin: try timestamp(dateRange, "begin"), end: try timestamp(dateRange, "end")),
            error: errors.isEmpty ? nil : errors.joined(separator: "\n"),
            generator: nonEmpty(element.value("generator")))
    }

    private static func policyPublished(_ element: XMLElementTree.Element) throws -> HistoryRecord.PublishedPolicy {
        func policy(_ name: String) throws -> DMARCPolicy? {
            guard let text = nonEmpty(element.value(name)) else { return nil }
            guard let policy = DMARCPolicy(rawValue: text.lowercased()) else {
                throw ReadError("policy_published: <\(name)> \"\(text)\" is not none, quarantine or reject")
            }
            return policy
        }
        func alignment(_ name: String) -> DMARCRecord.AlignmentMode? {
            element.value(name).flatMap { DMARCRecord.AlignmentMode(rawValue: $0.lowercased()) }
        }
        guard let p = try policy("p") else { throw ReadError("policy_published: <p> is missing") }
        return HistoryRecord.PublishedPolicy(
            p: p, sp: try policy("sp"), np: try policy("np"), adkim: alignment("adkim"), aspf: alignment("aspf"),
            isTesting: element.value("testing").flatMap { ["y": true, "n": false][$0.lowercased()] },
            // RFC 7489's `pct` and the drafts' `psd` are not in RFC 9990's schema; reporters that
            // still send them say what they saw.
            percent: element.value("pct").flatMap { Int($0) }.flatMap { (0...100).contains($0) ? $0 : nil },
            publicSuffix: element.value("psd").flatMap { DMARCRecord.PublicSuffixFlag(rawValue: $0.lowercased()) },
            failureReportOptions: nonEmpty(element.value("fo")),
            discoveryMethod: element.value("discovery_method").flatMap { .init(rawValue: $0.lowercased()) })
    }

    private static func record(_ element: XMLElementTree.Element) throws -> AggregateReport.Record {
        let row = try required(element, "row")
        let ipText = try requiredValue(row, "source_ip")
        guard let sourceIP = IPAddress(ipText) else { throw ReadError("<source_ip> \"\(ipText)\" is not an IP address") }
        let countText = try requiredValue(row, "count")
        guard let count = Int(countText), count >= 0 else { throw ReadError("<count> \"\(countText)\" is not a number of messages") }
        let evaluated = try required(row, "policy_evaluated")
        let dispositionText = try requiredValue(evaluated, "disposition")
        guard let disposition = MessageEvaluation.Disposition(rawValue: dispositionText.lowercased()) else {
            throw ReadError("<disposition> \"\(dispositionText)\" is not none, pass, quarantine or reject")
        }
        let identifiers = try required(element, "identifiers")
        let authResults = element.child("auth_results")
        let spfResults = try (authResults?.children("spf") ?? []).map(spfResult)
        return AggregateReport.Record(
            sourceIP: sourceIP, count: count, disposition: disposition,
            dkimAligned: try alignedResult(evaluated, "dkim"), spfAligned: try alignedResult(evaluated, "spf"),
            reasons: evaluated.children("reason").compactMap(reason),
            headerFrom: try requiredValue(identifiers, "header_from").lowercased(),
            envelopeFrom: identifiers.value("envelope_from")?.lowercased(),
            envelopeTo: nonEmpty(identifiers.value("envelope_to")?.lowercased()),
            dkim: try (authResults?.children("dkim") ?? []).map(dkimResult),
            // RFC 7489 reports may list a HELO result as well; DMARC uses only MAIL FROM's.
            spf: spfResults.first { $0.scope == nil || $0.scope == "mfrom" } ?? spfResults.first)
    }

    /// `pass` or `fail` in `policy_evaluated`.
    private static func alignedResult(_ element: XMLElementTree.Element, _ name: String) throws -> Bool {
        let text = try requiredValue(element, name)
        switch text.lowercased() {
        case "pass": return true
        case "fail": return false
        default: throw ReadError("<policy_evaluated><\(name)> \"\(text)\" is not pass or fail")
        }
    }

    /// RFC 7489's `forwarded` and `sampled_out` are gone from RFC 9990 §3.1.6; they are kept as
    /// `other` with the old name in the comment. An empty reason says nothing and is dropped.
    private static func reason(_ element: XMLElementTree.Element) -> AggregateReport.Record.Reason? {
        guard let type = nonEmpty(element.value("type")?.lowercased()) else { return nil }
        let comment = nonEmpty(element.value("comment"))
        if let known = MessageEvaluation.OverrideReason(rawValue: type) {
            return .init(type: known, comment: comment)
        }
        return .init(type: .other, comment: comment.map { "\(type): \($0)" } ?? type)
    }

    private static func dkimResult(_ element: XMLElementTree.Element) throws -> AggregateReport.Record.DKIMResult {
        AggregateReport.Record.DKIMResult(
            domain: try requiredValue(element, "domain").lowercased(),
            selector: nonEmpty(element.value("selector")),
            result: try authResult(element, context: "dkim"),
            humanResult: nonEmpty(element.value("human_result")))
    }

    private static func spfResult(_ element: XMLElementTree.Element) throws -> AggregateReport.Record.SPFResult {
        AggregateReport.Record.SPFResult(
            domain: (element.value("domain") ?? "").lowercased(),
            scope: nonEmpty(element.value("scope")?.lowercased()),
            result: try authResult(element, context: "spf"),
            humanResult: nonEmpty(element.value("human_result")))
    }

    /// An RFC 8601 result name; `hardfail`, which some reporters write, is `fail`.
    private static func authResult(_ element: XMLElementTree.Element, context: String) throws -> DMARCAuthResult {
        let text = try requiredValue(element, "result")
        let name = text.lowercased()
        if let result = DMARCAuthResult(rawValue: name) { return result }
        if name == "hardfail" { return .fail }
        throw ReadError("<auth_results><\(context)><result> \"\(text)\" is not an RFC 8601 result")
    }

    private static func required(_ element: XMLElementTree.Element, _ name: String) throws -> XMLElementTree.Element {
        guard let child = element.child(name) else { throw ReadError("<\(element.name)> has no <\(name)>") }
        return child
    }

    private static func requiredValue(_ element: XMLElementTree.Element, _ name: String) throws -> String {
        guard let value = element.value(name) else { throw ReadError("<\(element.name)> has no <\(name)>") }
        return value
    }

    private static func timestamp(_ element: XMLElementTree.Element, _ name: String) throws -> Int64 {
        let text = try requiredValue(element, name)
        // Some reporters write a fraction of a second; the whole seconds are what counts.
        guard let seconds = Int64(text) ?? Double(text).flatMap({ $0.isFinite ? Int64(exactly: $0.rounded(.down)) : nil }) else {
            throw ReadError("<date_range><\(name)> \"\(text)\" is not seconds since the epoch")
        }
        return seconds
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
