import Foundation
import TestSupport

/// Validates documents with `xmllint --schema` against the schema of RFC 9990 Appendix A.
enum SchemaValidation {
    static let schema = Fixtures.url("reports/rfc9990-dmarc-aggregate-report.xsd")

    /// Throws with xmllint's complaint unless `xml` is valid.
    static func validate(_ xml: [UInt8]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-report-\(UUID().uuidString).xml")
        try Data(xml).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try TestProgram.run(["/usr/bin/xmllint", "--noout", "--nonet", "--schema", schema.path, file.path])
    }
}
