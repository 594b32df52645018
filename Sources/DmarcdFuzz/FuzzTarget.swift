import DNS
import Foundation
@testable import Auth
@testable import Milter
@testable import Reporter

/// One parser of untrusted bytes, driven with arbitrary input. Each entry point must return for
/// every input; a trap, an overflow or a runaway allocation is a finding.
///
/// The names are what `DMARCD_FUZZ_TARGET` and the folders under `Fuzz/corpus/` are called.
enum FuzzTarget: String, CaseIterable, Sendable {
    case milterFrames = "milter-frames"
    case headerFields = "header-fields"
    case addressList = "address-list"
    case dkimSignature = "dkim-signature"
    case dkimKeyRecord = "dkim-key-record"
    case spfRecord = "spf-record"
    case spfMacro = "spf-macro"
    case dmarcRecord = "dmarc-record"
    case authenticationResults = "authentication-results"
    case reportIngest = "report-ingest"
    case aggregateXML = "aggregate-xml"

    /// Feeds one input to the parser; the results are dropped, only returning matters.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .milterFrames: Self.milterFrames(bytes)
        case .headerFields: Self.headerFields(bytes)
        case .addressList: Self.addressList(bytes)
        case .dkimSignature: _ = try? DKIMSignature(parsing: bytes, limits: DKIMVerifier.Limits())
        case .dkimKeyRecord: _ = try? DKIMKeyRecord(parsing: bytes)
        case .spfRecord: _ = try? SPFRecord(parsing: Self.text(bytes))
        case .spfMacro: Self.spfMacro(bytes)
        case .dmarcRecord: _ = try? DMARCRecord(parsing: Self.text(bytes))
        case .authenticationResults: Self.authenticationResults(bytes)
        case .reportIngest: _ = ReportIngester().outcomes(of: bytes, origin: "fuzz")
        case .aggregateXML: _ = try? AggregateReportXMLReader.read(Data(bytes))
        }
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The MTA's stream arrives in pieces of any size; the first byte picks the piece size, so the
    /// fuzzer explores frames split across reads. The same bytes are read once as commands (what
    /// the milter receives) and once as replies (what the milter client in the tests receives).
    private static func milterFrames(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let pieceSize = Int(first) + 1
        let stream = bytes.dropFirst()
        var commands = MilterFrameParser()
        var replies = MilterFrameParser()
        var commandsFailed = false
        var repliesFailed = false
        var offset = stream.startIndex
        while offset < stream.endIndex {
            let end = min(offset + pieceSize, stream.endIndex)
            commands.append(stream[offset..<end])
            replies.append(stream[offset..<end])
            offset = end
            do {
                while !commandsFailed, try commands.nextCommand() != nil {}
            } catch {
                commandsFailed = true
            }
            do {
                while !repliesFailed, try replies.nextReply() != nil {}
            } catch {
                repliesFailed = true
            }
        }
    }

    /// A message's header block as the evaluate command and the report ingester read it, and each
    /// field as the milter hands it over.
    private static func headerFields(_ bytes: [UInt8]) {
        guard let (fields, _) = try? MessageHeaderParser.parse(bytes) else { return }
        for field in fields {
            _ = field.unfoldedValue
            _ = HeaderField(milterName: field.name, value: field.rawValue, leadingSpaceStripped: true).unfoldedValue
        }
    }

    /// The value of a From field, as DMARC reads it for the Author Domain (RFC 9989 §3.2.2).
    private static func addressList(_ bytes: [UInt8]) {
        let value = text(bytes)
        _ = try? MailboxListParser.parseAddressList(value)
        _ = try? MailboxListParser.parseMailboxList(value)
        _ = DMARCAuthorDomains(fromFields: [value], maximumFieldBytes: 1 << 20)
    }

    /// Input lines: the macro-string, then the sender and the HELO name it is expanded with.
    /// Each of the three contexts of RFC 7208 §7.1 parses the string its own way.
    private static func spfMacro(_ bytes: [UInt8]) {
        let lines = text(bytes).split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        let sender = lines.count > 1 ? String(lines[1]) : "strong-bad@email.example.com"
        let helo = lines.count > 2 ? String(lines[2]) : "mx.example.org"
        let clientIP = bytes.count % 2 == 0 ? IPAddress("192.0.2.3")! : IPAddress("2001:db8::cb01")!
        let expander = SPFMacroExpander(sender: sender, clientIP: clientIP, helo: helo, timestamp: 1_700_000_000)
        for context in [SPFMacroString.Context.domainSpec, .modifierValue, .explanation] {
            guard let macro = try? SPFMacroString(lines.first ?? "", context: context) else { continue }
            _ = expander.expand(macro, domain: "email.example.com", validatedName: "mx.example.org")
            _ = expander.targetName(macro, domain: "email.example.com")
        }
    }

    /// A received Authentication-Results value, and its rendering parsed again.
    private static func authenticationResults(_ bytes: [UInt8]) {
        let value = text(bytes)
        _ = AuthenticationResultsParser.claims(value, authservID: "mx.example.org")
        guard let header = try? AuthenticationResultsParser.parse(value) else { return }
        _ = try? AuthenticationResultsParser.parse(header.render())
        _ = header.renderFolded()
    }
}
