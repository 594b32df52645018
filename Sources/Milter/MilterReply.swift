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
        var payload: [UInt8] = []
        let code: Character
        switch self {
        case .negotiate(let version, let actions, let flags):
            code = "O"
            payload.appendNegotiation(version, actions, flags)
        case .continue: code = "c"
        case .accept: code = "a"
        case .reject: code = "r"
        case .tempfail: code = "t"
        case .discard: code = "d"
        case .skip: code = "s"
        case .progress: code = "p"
        case .replyCode(let text):
            code = "y"
            payload.appendCString(text)
        case .addHeader(let name, let value):
            code = "h"
            payload.appendCString(name)
            payload.appendCString(value)
        case .insertHeader(let index, let name, let value):
            code = "i"
            payload.appendUInt32(index)
            payload.appendCString(name)
            payload.appendCString(value)
        case .changeHeader(let index, let name, let value):
            code = "m"
            payload.appendUInt32(index)
            payload.appendCString(name)
            payload.appendCString(value)
        case .quarantine(let reason):
            code = "q"
            payload.appendCString(reason)
        case .addRecipient(let address):
            code = "+"
            payload.appendCString(address)
        }
        return .milterFrame(code: code, payload: payload)
    }
}

extension [UInt8] {
    /// A frame: the length of what follows (code and payload) as 32 bits in network order, the
    /// code, the payload.
    static func milterFrame(code: Character, payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(5 + payload.count)
        frame.appendUInt32(UInt32(1 + payload.count))
        frame.append(code.asciiValue!)
        frame.append(contentsOf: payload)
        return frame
    }

    mutating func appendNegotiation(_ version: UInt32, _ actions: MilterActions, _ flags: MilterProtocolFlags) {
        appendUInt32(version)
        appendUInt32(actions.rawValue)
        appendUInt32(flags.rawValue)
    }

    mutating func appendUInt32(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    /// The text's bytes with NUL removed, as a NUL would end the field early, then a NUL.
    mutating func appendCString(_ text: String) {
        append(contentsOf: text.utf8.filter { $0 != 0 })
        append(0)
    }
}
