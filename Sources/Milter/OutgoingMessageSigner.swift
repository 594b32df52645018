import Auth
import Foundation
import Logging

/// The milter's signing path: one outgoing message, signed with the keys its From: address
/// selects (RFC 6376 §5). Mail is never refused here: without a usable key it goes on unsigned
/// with a log line.
public struct OutgoingMessageSigner: Sendable {
    private var signer: DKIMMessageSigner
    let logger: Logger
    let client: String
    let headerLeadingSpace: Bool
    let queueID: String?
    /// Why this message is signed rather than checked, for the log line.
    let reason: String

    init(keys: DKIMSigningKeys, logger: Logger, client: String, headerLeadingSpace: Bool, queueID: String?,
         reason: String) {
        signer = DKIMMessageSigner(keys: keys)
        self.logger = logger
        self.client = client
        self.headerLeadingSpace = headerLeadingSpace
        self.queueID = queueID
        self.reason = reason
    }

    mutating func header(name: String, value: [UInt8]) {
        signer.header(HeaderField(milterName: name, value: value, leadingSpaceStripped: !headerLeadingSpace))
    }

    mutating func endOfHeaders() {
        signer.endOfHeaders()
    }

    mutating func body(_ chunk: [UInt8]) {
        signer.body(chunk)
    }

    /// Inserts one DKIM-Signature per key on top of the message, then continues.
    mutating func finish(macros: [String: String], now: Date = Date()) -> [MilterReply] {
        let queue = macros["i"] ?? queueID ?? "NOQUEUE"
        let outcome = signer.finish(at: now)
        var replies: [MilterReply] = outcome.fields.map { field in
            // Folds go to the MTA as LF, which it turns into the line ends it writes; with
            // SMFIP_HDR_LEADSPC it writes the value exactly, so the value carries the space.
            var value = String(decoding: field.rawValue, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            if !headerLeadingSpace, value.hasPrefix(" ") { value.removeFirst() }
            return .insertHeader(index: 0, name: field.name, value: value)
        }
        replies.append(.continue)
        let line = """
            \(queue): client=\(client) from=\(outcome.fromDomain ?? "-") \
            \(outcome.signed.isEmpty ? "not signed" : "signed " + outcome.signed.joined(separator: ", ")) (\(reason))\
            \(outcome.problems.isEmpty ? "" : "; " + outcome.problems.joined(separator: "; "))
            """
        if outcome.problems.isEmpty {
            logger.info("\(line)")
        } else {
            logger.warning("\(line)")
        }
        return replies
    }
}
