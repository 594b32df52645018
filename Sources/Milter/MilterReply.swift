/// A reply from the filter to the MTA (SMFIR_*).
public enum MilterReply: Sendable, Hashable {
    case negotiate(version: UInt32, actions: MilterActions, protocolFlags: MilterProtocolFlags)
    case `continue`
    case accept
    case reject
    case tempfail
    case discard
    /// Skip the rest of the body (only when negotiated with ``MilterProtocolFlags/skip``).
    case skip
    /// Reject or tempfail with this SMTP reply, e.g. `550 5.7.1 rejected by DMARC policy`.
    case replyCode(String)
    case addHeader(name: String, value: String)
    /// Inserts a header field at `index` (0 = before every other field).
    case insertHeader(index: UInt32, name: String, value: String)
    /// Changes the `index`-th (from 1) field of that name; an empty value removes it.
    case changeHeader(index: UInt32, name: String, value: String)
    /// Puts the message in the MTA's hold queue with the given reason.
    case quarantine(reason: String)
    /// Adds an envelope recipient, e.g. `<dmarc-failures@example.com>`.
    case addRecipient(String)
    /// Asks the MTA to wait longer: the filter is still working.
    case progress

    /// The reply as one frame on the wire.
    public var frame: [UInt8] {
        var frame: [UInt8] = []
        append(to: &frame)
        return frame
    }

    /// Appends the reply's frame to `bytes`, where the other replies of the same event are.
    public func append(to bytes: inout [UInt8]) {
        bytes.appendMilterFrame(code: code) { appendPayload(to: &$0) }
    }

    /// The reply's code on the wire (SMFIR_*).
    public var code: Character {
        switch self {
        case .negotiate: "O"
        case .continue: "c"
        case .accept: "a"
        case .reject: "r"
        case .tempfail: "t"
        case .discard: "d"
        case .skip: "s"
        case .progress: "p"
        case .replyCode: "y"
        case .addHeader: "h"
        case .insertHeader: "i"
        case .changeHeader: "m"
        case .quarantine: "q"
        case .addRecipient: "+"
        }
    }

    private func appendPayload(to payload: inout [UInt8]) {
        switch self {
        case .negotiate(let version, let actions, let flags):
            payload.appendNegotiation(version, actions, flags)
        case .continue, .accept, .reject, .tempfail, .discard, .skip, .progress:
            break
        case .replyCode(let text), .quarantine(let text), .addRecipient(let text):
            payload.appendCString(text)
        case .addHeader(let name, let value):
            payload.appendCString(name)
            payload.appendCString(value)
        case .insertHeader(let index, let name, let value), .changeHeader(let index, let name, let value):
            payload.appendUInt32(index)
            payload.appendCString(name)
            payload.appendCString(value)
        }
    }
}

extension [UInt8] {
    /// Appends a frame: the length of what follows (code and payload) as 32 bits in network
    /// order, the code, and the payload that `appendPayload` appends. Written in place, as a
    /// frame built apart and copied in cost an allocation per field.
    mutating func appendMilterFrame(code: Character, _ appendPayload: (inout [UInt8]) -> Void) {
        let start = count
        appendUInt32(0)
        append(code.asciiValue!)
        appendPayload(&self)
        Swift.withUnsafeBytes(of: UInt32(count - start - 4).bigEndian) { length in
            for (offset, byte) in length.enumerated() { self[start + offset] = byte }
        }
    }

    mutating func appendNegotiation(_ version: UInt32, _ actions: MilterActions, _ flags: MilterProtocolFlags) {
        appendUInt32(version)
        appendUInt32(actions.rawValue)
        appendUInt32(flags.rawValue)
    }

    /// In network order.
    mutating func appendUInt32(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// The text's bytes with NUL removed, as a NUL would end the field early, then a NUL.
    mutating func appendCString(_ text: String) {
        for byte in text.utf8 where byte != 0 { append(byte) }
        append(0)
    }
}
