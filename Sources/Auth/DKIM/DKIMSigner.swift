import Crypto
import Foundation

/// Signs one message as it streams through a milter (RFC 6376 §5): feed the header fields in
/// message order with ``header(_:)``, the body in chunks of any size with ``body(_:)``, then
/// ``signatureField(at:)`` returns the DKIM-Signature field to put on top of the message.
///
/// It shares the verifier's canonicalization, body hasher and header hash, so what it signs is
/// what the verifier checks. It never writes `l=` (RFC 6376 §8.2: appended content would pass).
public struct DKIMSigner: Sendable {
    /// Who signs, with which key and canonicalization.
    public struct Identity: Sendable {
        /// `d=`, the SDID.
        public var domain: String
        /// `s=`
        public var selector: String
        public var key: DKIMPrivateKey
        public var headerCanonicalization: Canonicalization
        public var bodyCanonicalization: Canonicalization

        public init(domain: String, selector: String, key: DKIMPrivateKey,
                    headerCanonicalization: Canonicalization = .relaxed,
                    bodyCanonicalization: Canonicalization = .relaxed) {
            self.domain = domain
            self.selector = selector
            self.key = key
            self.headerCanonicalization = headerCanonicalization
            self.bodyCanonicalization = bodyCanonicalization
        }
    }

    /// The two canonicalizations of RFC 6376 §3.4, as configuration names them.
    public enum Canonicalization: String, Sendable, Hashable, CaseIterable {
        case simple
        case relaxed

        var algorithm: DKIMCanonicalization {
            switch self {
            case .simple: .simple
            case .relaxed: .relaxed
            }
        }
    }

    /// RFC 6376 §5.4.1's fields that "SHOULD be included in the signature", listed in `h=` once
    /// per instance present.
    public static let signedFields = [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Resent-Date", "Resent-From", "Resent-To",
        "Resent-Cc", "In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe",
        "List-Subscribe", "List-Post", "List-Owner", "List-Archive", "List-Unsubscribe-Post",
        "Message-ID", "Sender", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
        "Content-ID", "Content-Description",
    ]

    /// The fields listed once more than they occur, so that one added in transit breaks the
    /// signature (RFC 6376 §5.4.2, §8.15); listed even when absent, since adding a Reply-To or
    /// a second From is the attack.
    public static let overSignedFields: Set<String> = [
        "from", "to", "subject", "date", "reply-to", "cc", "mime-version", "content-type", "content-transfer-encoding",
    ]

    public let identity: Identity
    private var fields: [HeaderField] = []
    private var bodyHasher: DKIMBodyHasher

    public init(identity: Identity) {
        self.identity = identity
        bodyHasher = DKIMBodyHasher(canonicalization: identity.bodyCanonicalization.algorithm, lengthLimit: nil)
    }

    /// Takes the next header field, in message order.
    public mutating func header(_ field: HeaderField) {
        fields.append(field)
    }

    /// Takes the next piece of the body.
    public mutating func body<Bytes: Collection<UInt8>>(_ chunk: Bytes) {
        let fed: Void? = chunk.withContiguousStorageIfAvailable { bodyHasher.update($0) }
        if fed == nil { Array(chunk).withUnsafeBufferPointer { bodyHasher.update($0) } }
    }

    /// The `h=` list for the header fields fed: the names of ``signedFields`` present, as often
    /// as they occur, plus one for the over-signed ones.
    var signedFieldNames: [String] {
        var counts: [String: Int] = [:]
        for field in fields { counts[field.signedName, default: 0] += 1 }
        var names: [String] = []
        for name in Self.signedFields {
            let key = name.lowercased()
            let count = (counts[key] ?? 0) + (Self.overSignedFields.contains(key) ? 1 : 0)
            names += Array(repeating: name, count: count)
        }
        return names
    }

    /// The DKIM-Signature field (name and value, the value starting with a space and folded
    /// with CRLF) for the message fed so far, signed at `time` (`t=`).
    public func signatureField(at time: Date) throws -> HeaderField {
        let names = signedFieldNames
        let bodyHash = Data(bodyHasher.finish().digest).base64EncodedString()
        // RFC 6376 §3.5: b= goes last and empty while hashing (§3.7 step 2), so the bytes after
        // "b=" are exactly what the verifier removes.
        var tags = ["v=1", "a=\(identity.key.algorithm.rawValue)",
                    "c=\(identity.headerCanonicalization.rawValue)/\(identity.bodyCanonicalization.rawValue)",
                    "d=\(identity.domain)", "s=\(identity.selector)", "t=\(Int(time.timeIntervalSince1970))"]
        tags.append("h=" + names.joined(separator: ":"))
        tags.append("bh=\(bodyHash)")
        let unsigned = Self.fold(tags) + "\r\n\tb="
        let unsignedField = HeaderField(name: "DKIM-Signature", value: unsigned)
        let hash = DKIMHeaderHash(fields: fields + [unsignedField])
            .digest(signing: names.map { $0.lowercased() }, canonicalization: identity.headerCanonicalization.algorithm,
                    at: fields.count, excluding: nil)
        let signature = try identity.key.signature(headerHash: hash)
        return HeaderField(name: "DKIM-Signature", value: unsigned + Self.foldBase64(Data(signature).base64EncodedString()))
    }

    /// Tags each followed by ";", on lines of at most 78 characters (RFC 5322 §2.1.1); the
    /// `h=` list breaks after a colon when it runs longer. Lines after the first start with a tab.
    static func fold(_ tags: [String]) -> String {
        var lines: [String] = []
        // The first line starts after "DKIM-Signature:".
        var line = String(repeating: " ", count: 15)
        func add(_ piece: String, separator: String) {
            if line.count + separator.count + piece.count > 78 && line.count > 1 {
                lines.append(line)
                line = "\t" + piece
            } else {
                line += separator + piece
            }
        }
        for tag in tags {
            guard tag.hasPrefix("h=") else {
                add(tag + ";", separator: " ")
                continue
            }
            let parts = tag.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                add(part + (index == parts.count - 1 ? ";" : ":"), separator: index == 0 ? " " : "")
            }
        }
        lines.append(line)
        return String(lines.joined(separator: "\r\n").dropFirst(15))
    }

    /// The `b=` value on lines of at most 72 characters after the tab.
    static func foldBase64(_ text: String) -> String {
        var pieces: [Substring] = []
        var rest = text[...]
        while !rest.isEmpty {
            let width = pieces.isEmpty ? 70 : 72
            pieces.append(rest.prefix(width))
            rest = rest.dropFirst(width)
        }
        return pieces.joined(separator: "\r\n\t")
    }
}
