@testable import Auth
import DNS
import Foundation
import TestSupport

/// A stored message split the way a milter receives it: header fields, then the body.
struct DKIMTestMessage {
    var fields: [HeaderField]
    var body: [UInt8]

    /// Reads a message in CRLF or LF form (corpus files are mostly LF; SOURCES.md "Line endings").
    init(bytes: [UInt8]) throws {
        let message = LineEndings.crlf(bytes)
        let (fields, bodyOffset) = try MessageHeaderParser.parse(message)
        self.fields = fields
        self.body = Array(message[bodyOffset...])
    }

    init(contentsOf url: URL) throws {
        try self.init(bytes: Array(try Fixtures.data(url)))
    }

    init(text: String) throws {
        try self.init(bytes: Array(text.utf8))
    }

    /// The message as one CRLF byte string.
    var bytes: [UInt8] {
        fields.flatMap { Array($0.name.utf8) + [0x3A] + $0.rawValue + [0x0D, 0x0A] } + [0x0D, 0x0A] + body
    }
}

/// How header fields reach the verifier.
enum DKIMFeedMode: CaseIterable, CustomStringConvertible {
    /// As parsed from the stored message, CRLF folds.
    case exact
    /// As Postfix sends them with SMFIP_HDR_LEADSPC: folds as bare LF, leading space kept.
    case postfixLeadingSpace
    /// As Postfix sends them without SMFIP_HDR_LEADSPC: folds as bare LF and one leading space
    /// after the colon dropped (Postfix milter8.c, "Sendmail by default eats one space").
    case postfixStripped

    var description: String {
        switch self {
        case .exact: "exact"
        case .postfixLeadingSpace: "postfix+leadspc"
        case .postfixStripped: "postfix"
        }
    }

    func field(_ field: HeaderField) -> HeaderField {
        var lineFeedValue: [UInt8] = []
        for (index, byte) in field.rawValue.enumerated()
        where !(byte == 0x0D && index + 1 < field.rawValue.count && field.rawValue[index + 1] == 0x0A) {
            lineFeedValue.append(byte)
        }
        switch self {
        case .exact:
            return field
        case .postfixLeadingSpace:
            return HeaderField(milterName: field.name, value: lineFeedValue, leadingSpaceStripped: false)
        case .postfixStripped:
            let stripped = lineFeedValue.first == 0x20 ? Array(lineFeedValue.dropFirst()) : lineFeedValue
            return HeaderField(milterName: field.name, value: stripped, leadingSpaceStripped: true)
        }
    }
}

extension DKIMTestMessage {
    /// Feeds the message to a new verifier, the body in chunks of `chunkSize` bytes, and
    /// returns its results.
    func verify(resolver: any DNSResolver, chunkSize: Int = 65535, mode: DKIMFeedMode = .exact,
                limits: DKIMVerifier.Limits = .init(), now: Date = Date()) async -> [DKIMResult] {
        var verifier = DKIMVerifier(resolver: resolver, limits: limits, now: { now })
        for field in fields { verifier.header(mode.field(field)) }
        verifier.endOfHeaders()
        var offset = 0
        while offset < body.count {
            let end = min(offset + chunkSize, body.count)
            verifier.body(body[offset..<end])
            offset = end
        }
        return await verifier.finish()
    }
}

/// TXT records for test zones.
enum DKIMTestDNS {
    /// A TXT record holding `text`, cut into character-strings of at most 255 bytes as a zone
    /// would publish a long key (RFC 1035 §3.3.14).
    static func record(_ text: String) -> DNSRecord {
        let bytes = Array(text.utf8)
        let strings = stride(from: 0, to: max(bytes.count, 1), by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) }
        return .txt(TXTRecord(strings: strings))
    }

    /// A resolver serving `records` (name → key record text).
    static func resolver(_ records: [(String, String)]) -> StaticResolver {
        var resolver = StaticResolver()
        for (name, text) in records { resolver.add(record(text), at: name) }
        return resolver
    }
}

/// One of stalwart's `resources/dkim/NNN.txt` or `resources/arc/NNN.txt`: `<name> <txt>` lines,
/// a blank line, then the message (SOURCES.md §2 and §6).
struct StalwartCase {
    var resolver: StaticResolver
    var message: DKIMTestMessage

    /// `folder` is `dkim` or `arc`; `name` the file, e.g. `001.txt`.
    init(_ name: String, in folder: String = "dkim") throws {
        let data = Array(try Fixtures.data(Fixtures.corpus("stalwart-mail-auth/resources/\(folder)/\(name)")))
        guard let blank = (0..<(data.count - 1)).first(where: { data[$0] == 0x0A && data[$0 + 1] == 0x0A }) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var resolver = StaticResolver()
        for line in String(decoding: data[..<blank], as: UTF8.self).split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            resolver.add(DKIMTestDNS.record(String(line[line.index(after: space)...])), at: String(line[..<space]))
        }
        self.resolver = resolver
        message = try DKIMTestMessage(bytes: Array(data[(blank + 2)...]))
    }
}
