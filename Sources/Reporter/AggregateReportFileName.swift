/// The attachment's file name (RFC 9990 §3.5.2):
/// `receiver "!" policy-domain "!" begin-timestamp "!" end-timestamp [ "!" unique-id ] "." extension`.
public struct AggregateReportFileName: Sendable, Hashable, CustomStringConvertible {
    /// `xml` or `xml.gz` (RFC 9990 §3.5.2: "The extension MUST be "xml" for a plain XML file or
    /// "xml.gz" for an XML file compressed using GZIP").
    public enum Extension: String, Sendable, Hashable {
        case xml
        case xmlGzip = "xml.gz"
    }

    /// Why the parts do not make a file name of the RFC's grammar.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    public let receiver: String
    public let policyDomain: String
    public let begin: Int64
    public let end: Int64
    /// Letters and digits; RFC 9990 §3.1.4 wants it identical to the Report-ID.
    public let uniqueID: String?
    public let fileExtension: Extension

    /// Checks each part against the grammar, so that the name never carries a `!`, `/` or
    /// other character that would change how the receiver splits or stores it.
    public init(receiver: String, policyDomain: String, begin: Int64, end: Int64, uniqueID: String?,
                fileExtension: Extension = .xmlGzip) throws {
        for (part, value) in [("receiver", receiver), ("policy domain", policyDomain)] where !Self.isDomainName(value) {
            throw Invalid(description: "the \(part) \"\(value)\" is not a domain name")
        }
        guard begin >= 0, end >= 0 else { throw Invalid(description: "timestamps must not be negative") }
        if let uniqueID, uniqueID.isEmpty || !uniqueID.unicodeScalars.allSatisfy(Self.isAlphaDigit) {
            throw Invalid(description: "the unique-id \"\(uniqueID)\" is not letters and digits only")
        }
        self.receiver = receiver
        self.policyDomain = policyDomain
        self.begin = begin
        self.end = end
        self.uniqueID = uniqueID
        self.fileExtension = fileExtension
    }

    /// The name for a report, with its Report-ID as the unique-id.
    public init(report: AggregateReport, receiver: String, fileExtension: Extension = .xmlGzip) throws {
        try self.init(receiver: receiver, policyDomain: report.policyDomain,
                      begin: report.metadata.dateRange.begin, end: report.metadata.dateRange.end,
                      uniqueID: report.metadata.reportID, fileExtension: fileExtension)
    }

    public var description: String {
        var name = "\(receiver)!\(policyDomain)!\(begin)!\(end)"
        if let uniqueID { name += "!\(uniqueID)" }
        return name + "." + fileExtension.rawValue
    }

    /// RFC 6376's domain-name: dot-separated labels of letters, digits and inner hyphens
    /// (A-labels for internationalized names).
    static func isDomainName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.utf8.count <= 253, labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
            return label.unicodeScalars.allSatisfy { isAlphaDigit($0) || $0 == "-" }
        }
    }

    static func isAlphaDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
