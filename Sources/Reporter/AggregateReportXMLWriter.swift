import Auth
import Store

/// Writes an ``AggregateReport`` as RFC 9990 XML: the `urn:ietf:params:xml:ns:dmarc-2.0`
/// namespace, `<version>1.0</version>`, and the elements in the order of the schema in
/// RFC 9990 Appendix A (several of its sequences are strict; OpenDMARC's reports broke them).
public enum AggregateReportXMLWriter {
    /// The report as a UTF-8 XML document.
    public static func xml(_ report: AggregateReport) -> [UInt8] {
        var out = XMLOutput()
        out.line(0, #"<?xml version="1.0" encoding="UTF-8"?>"#)
        out.line(0, #"<feedback xmlns="\#(AggregateReport.namespace)">"#)
        out.element(1, "version", AggregateReport.currentVersion)
        write(report.metadata, to: &out)
        write(report.policyPublished, domain: report.policyDomain, to: &out)
        for record in report.records { write(record, to: &out) }
        out.line(0, "</feedback>")
        return Array(out.text.utf8)
    }

    private static func write(_ metadata: AggregateReport.Metadata, to out: inout XMLOutput) {
        out.line(1, "<report_metadata>")
        out.element(2, "org_name", metadata.orgName)
        out.element(2, "email", metadata.email)
        out.element(2, "extra_contact_info", metadata.extraContactInfo)
        out.element(2, "report_id", metadata.reportID)
        out.line(2, "<date_range>")
        out.element(3, "begin", String(metadata.dateRange.begin))
        out.element(3, "end", String(metadata.dateRange.end))
        out.line(2, "</date_range>")
        out.element(2, "error", metadata.error)
        out.element(2, "generator", metadata.generator)
        out.line(1, "</report_metadata>")
    }

    private static func write(_ policy: HistoryRecord.PublishedPolicy, domain: String, to out: inout XMLOutput) {
        out.line(1, "<policy_published>")
        out.element(2, "domain", domain)
        // The schema requires p; RFC 9989 §4.10.1 reads a record without a valid one as none.
        out.element(2, "p", (policy.p ?? .none).rawValue)
        out.element(2, "sp", policy.sp?.rawValue)
        out.element(2, "np", policy.np?.rawValue)
        out.element(2, "adkim", policy.adkim?.rawValue)
        out.element(2, "aspf", policy.aspf?.rawValue)
        out.element(2, "discovery_method", policy.discoveryMethod?.rawValue)
        out.element(2, "fo", policy.failureReportOptions)
        out.element(2, "testing", policy.isTesting.map { $0 ? "y" : "n" })
        out.line(1, "</policy_published>")
    }

    private static func write(_ record: AggregateReport.Record, to out: inout XMLOutput) {
        out.line(1, "<record>")
        out.line(2, "<row>")
        out.element(3, "source_ip", record.sourceIP.description)
        out.element(3, "count", String(record.count))
        out.line(3, "<policy_evaluated>")
        out.element(4, "disposition", record.disposition.rawValue)
        out.element(4, "dkim", record.dkimAligned ? "pass" : "fail")
        out.element(4, "spf", record.spfAligned ? "pass" : "fail")
        for reason in record.reasons {
            out.line(4, "<reason>")
            out.element(5, "type", reason.type.rawValue)
            out.element(5, "comment", reason.comment)
            out.line(4, "</reason>")
        }
        out.line(3, "</policy_evaluated>")
        out.line(2, "</row>")
        out.line(2, "<identifiers>")
        out.element(3, "header_from", record.headerFrom)
        out.element(3, "envelope_from", record.envelopeFrom)
        out.element(3, "envelope_to", record.envelopeTo)
        out.line(2, "</identifiers>")
        out.line(2, "<auth_results>")
        for dkim in record.dkim {
            out.line(3, "<dkim>")
            out.element(4, "domain", dkim.domain)
            // RFC 9990 requires a selector (Appendix C); a signature without a usable s= tag
            // still has to be reported (§3.1.1.11), so its selector is empty.
            out.element(4, "selector", dkim.selector ?? "")
            out.element(4, "result", dkimResultName(dkim.result))
            out.element(4, "human_result", dkim.humanResult)
            out.line(3, "</dkim>")
        }
        if let spf = record.spf {
            out.line(3, "<spf>")
            out.element(4, "domain", spf.domain)
            // RFC 9990 §3.1.1.13: "The only valid value for the "scope" element is "mfrom"."
            out.element(4, "scope", "mfrom")
            out.element(4, "result", spf.result.rawValue)
            out.element(4, "human_result", spf.humanResult)
            out.line(3, "</spf>")
        }
        out.line(2, "</auth_results>")
        out.line(1, "</record>")
    }

    /// DKIM has no `softfail` (RFC 8601 §2.7.1, the schema's `DKIMResultType`).
    private static func dkimResultName(_ result: DMARCAuthResult) -> String {
        result == .softfail ? DMARCAuthResult.fail.rawValue : result.rawValue
    }
}

/// Indented XML text with escaped character data.
private struct XMLOutput {
    var text = ""

    mutating func line(_ depth: Int, _ markup: String) {
        text += String(repeating: "  ", count: depth) + markup + "\n"
    }

    /// `<name>value</name>`; nothing when `value` is nil.
    mutating func element(_ depth: Int, _ name: String, _ value: String?) {
        guard let value else { return }
        line(depth, "<\(name)>\(AggregateReportXMLWriter.escaped(value))</\(name)>")
    }
}

extension AggregateReportXMLWriter {
    /// Escapes markup characters and drops characters XML 1.0 cannot carry at all (§2.2 Char),
    /// so that text from DNS records or DKIM failures never breaks the document.
    public static func escaped(_ value: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(value.unicodeScalars.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            // A literal CR would come back as LF (XML 1.0 §2.11).
            case "\r": result += "&#13;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
