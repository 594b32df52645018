import Auth
import Foundation

/// Finds the aggregate reports in what others send us about our domains (RFC 9990 §3.5): a
/// report file (XML, gzip, gzip inside gzip, zip), a mail message with the report attached or
/// inline in any MIME shape, or an mbox file of such messages.
///
/// What is inside is decided by the bytes themselves (`1f 8b` gzip, `PK\x03\x04` zip, `<` XML,
/// header fields a message), not by the names and media types senders give it, which are often
/// wrong (`application/octet-stream`, `.xml` on a gzip file). Every report found is one
/// ``Outcome/report(_:origin:)``; every part that should have been one and is not is one
/// ``Outcome/rejected(origin:reason:)``: nothing is dropped without saying so.
///
/// RFC 9990 §8.1 names the dangers of reading what anyone can send: each bound in ``Limits`` is
/// checked before the work it bounds, or while it is done (inflating), never after.
public struct ReportIngester: Sendable {
    /// The bounds on one input.
    public struct Limits: Sendable, Hashable {
        /// The largest input: a file, a message or an mbox file.
        public var maximumInputBytes: Int
        /// The largest gzip or zip data unpacked.
        public var maximumCompressedBytes: Int
        /// The largest document a gzip member or zip entry may expand to, and the largest XML read.
        public var maximumDocumentBytes: Int
        /// The most entries of one zip archive, directories included.
        public var maximumArchiveEntries: Int
        /// The most records of one report.
        public var maximumRecords: Int
        /// The deepest XML element nesting.
        public var maximumXMLDepth: Int
        /// How deep containers may sit in each other: MIME parts, attached messages, gzip, zip.
        public var maximumNesting: Int
        /// The most MIME parts of one multipart entity.
        public var maximumParts: Int

        public init(maximumInputBytes: Int = 256 << 20, maximumCompressedBytes: Int = 32 << 20,
                    maximumDocumentBytes: Int = 64 << 20, maximumArchiveEntries: Int = 16,
                    maximumRecords: Int = 100_000, maximumXMLDepth: Int = 32, maximumNesting: Int = 8,
                    maximumParts: Int = 256) {
            self.maximumInputBytes = maximumInputBytes
            self.maximumCompressedBytes = maximumCompressedBytes
            self.maximumDocumentBytes = maximumDocumentBytes
            self.maximumArchiveEntries = maximumArchiveEntries
            self.maximumRecords = maximumRecords
            self.maximumXMLDepth = maximumXMLDepth
            self.maximumNesting = maximumNesting
            self.maximumParts = maximumParts
        }
    }

    /// What one piece of the input turned out to be. `origin` names the piece: the input's
    /// name, then the message of an mbox file, the attachment and the archive entry.
    public enum Outcome: Sendable, Hashable {
        case report(AggregateReport, origin: String)
        case rejected(origin: String, reason: String)
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The reports in `bytes`, or why there are none; never empty.
    public func outcomes(of bytes: [UInt8], origin: String) -> [Outcome] {
        guard bytes.count <= limits.maximumInputBytes else {
            return [.rejected(origin: origin, reason: "the input has \(bytes.count) bytes, more than the limit of \(limits.maximumInputBytes)")]
        }
        let input = bytes[...]
        if MboxFile.isMbox(input) {
            let messages = MboxFile.messages(in: input)
            guard !messages.isEmpty else { return [.rejected(origin: origin, reason: "the mbox file holds no message")] }
            return messages.enumerated().flatMap { index, message in
                self.message(message, origin: "\(origin), message \(index + 1)", nesting: 1)
            }
        }
        return contents(input, origin: origin, nesting: 0)
    }

    /// What the bytes are, decided by their first bytes.
    enum Kind: Equatable {
        case gzip, zip, xml, message, unknown
    }

    static func kind(of bytes: ArraySlice<UInt8>) -> Kind {
        if bytes.starts(with: [0x1F, 0x8B]) { return .gzip }
        // A local file header, or the end record of an empty archive.
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        // UTF-16 byte order marks: XML, which the reader refuses with its reason.
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return .xml }
        var text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes
        text = text.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        if text.first == UInt8(ascii: "<") { return .xml }
        // RFC 5322 §2.2: a field name of printable characters except the colon, then a colon.
        let name = bytes.prefix { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ":") }
        if !name.isEmpty, name.count < 80, bytes.dropFirst(name.count).first == UInt8(ascii: ":") { return .message }
        return .unknown
    }

    private func contents(_ bytes: ArraySlice<UInt8>, origin: String, nesting: Int) -> [Outcome] {
        guard nesting <= limits.maximumNesting else {
            return [.rejected(origin: origin, reason: "containers are nested deeper than \(limits.maximumNesting) levels")]
        }
        switch Self.kind(of: bytes) {
        case .gzip:
            guard bytes.count <= limits.maximumCompressedBytes else {
                return [.rejected(origin: origin, reason: "the gzip data has \(bytes.count) bytes, more than the limit of \(limits.maximumCompressedBytes)")]
            }
            do {
                let inner = try ReportCompression.gunzip(Array(bytes), maximumSize: limits.maximumDocumentBytes)
                return contents(inner[...], origin: origin, nesting: nesting + 1)
            } catch {
                return [.rejected(origin: origin, reason: String(describing: error))]
            }
        case .zip:
            guard bytes.count <= limits.maximumCompressedBytes else {
                return [.rejected(origin: origin, reason: "the zip data has \(bytes.count) bytes, more than the limit of \(limits.maximumCompressedBytes)")]
            }
            do {
                let files = try ReportArchive.files(in: Array(bytes), maximumEntries: limits.maximumArchiveEntries,
                                                    maximumFileBytes: limits.maximumDocumentBytes)
                guard !files.isEmpty else { return [.rejected(origin: origin, reason: "the zip archive holds no file")] }
                return files.flatMap { contents($0.bytes[...], origin: "\(origin), entry \($0.name)", nesting: nesting + 1) }
            } catch {
                return [.rejected(origin: origin, reason: String(describing: error))]
            }
        case .xml:
            do {
                let limits = AggregateReportXMLReader.Limits(maximumBytes: limits.maximumDocumentBytes,
                                                             maximumDepth: limits.maximumXMLDepth,
                                                             maximumRecords: limits.maximumRecords)
                return [.report(try AggregateReportXMLReader.read(Data(bytes), limits: limits), origin: origin)]
            } catch {
                return [.rejected(origin: origin, reason: String(describing: error))]
            }
        case .message:
            return message(bytes, origin: origin, nesting: nesting)
        case .unknown:
            let reason = bytes.isEmpty ? "the input is empty" : "neither XML, gzip, zip nor a mail message"
            return [.rejected(origin: origin, reason: reason)]
        }
    }

    /// The reports in a mail message: every leaf part that holds, or says it holds, a report.
    private func message(_ bytes: ArraySlice<UInt8>, origin: String, nesting: Int) -> [Outcome] {
        var outcomes: [Outcome] = []
        var seen: [String] = []
        do {
            let entity = try MIMEEntity(LineEndings.crlf(bytes)[...])
            try walk(entity, origin: origin, nesting: nesting + 1, into: &outcomes, seen: &seen)
        } catch {
            outcomes.append(.rejected(origin: origin, reason: String(describing: error)))
        }
        if outcomes.isEmpty {
            let parts = seen.isEmpty ? "" : " (parts: \(seen.joined(separator: ", ")))"
            outcomes.append(.rejected(origin: origin, reason: "the message holds no aggregate report\(parts)"))
        }
        return outcomes
    }

    private func walk(_ entity: MIMEEntity, origin: String, nesting: Int, into outcomes: inout [Outcome],
                      seen: inout [String]) throws {
        guard nesting <= limits.maximumNesting else {
            throw MIMEEntity.Invalid(description: "MIME parts are nested deeper than \(limits.maximumNesting) levels")
        }
        let type = entity.mediaType
        if type.hasPrefix("multipart/") {
            for part in try entity.parts(limit: limits.maximumParts) {
                try walk(try MIMEEntity(part), origin: origin, nesting: nesting + 1, into: &outcomes, seen: &seen)
            }
            return
        }
        if type == "message/rfc822" || type == "message/global" {
            try walk(try MIMEEntity(try entity.decodedBody()[...]), origin: origin, nesting: nesting + 1,
                     into: &outcomes, seen: &seen)
            return
        }
        let name = entity.fileName
        seen.append(name.map { "\(type) \"\($0)\"" } ?? type)
        let partOrigin = "\(origin), part \(name ?? type)"
        let content: [UInt8]
        do {
            content = try entity.decodedBody()
        } catch {
            if Self.saysItIsAReport(type: type, name: name) {
                outcomes.append(.rejected(origin: partOrigin, reason: String(describing: error)))
            }
            return
        }
        let kind = Self.kind(of: content[...])
        // HTML, or text that merely starts with `<` (a quoted address), is no report; a report's
        // root element comes early.
        let looksLikeAReport = kind == .gzip || kind == .zip
            || (kind == .xml && type != "text/html" && content.prefix(1024).firstRange(of: Array("feedback".utf8)) != nil)
        guard looksLikeAReport || Self.saysItIsAReport(type: type, name: name) else { return }
        outcomes += contents(content[...], origin: partOrigin, nesting: nesting + 1)
    }

    /// Media types and file name endings that reporters use for reports (RFC 9990 §3.5.2
    /// names `application/gzip`; the rest are found in practice).
    static func saysItIsAReport(type: String, name: String?) -> Bool {
        let types: Set<String> = [
            "application/gzip", "application/x-gzip", "application/zip", "application/x-zip-compressed",
            "application/x-zip", "application/xml", "text/xml", "application/octet-stream",
        ]
        let endings = [".xml", ".gz", ".gzip", ".zip"]
        return types.contains(type) || (name.map { name in endings.contains { name.lowercased().hasSuffix($0) } } ?? false)
    }
}
