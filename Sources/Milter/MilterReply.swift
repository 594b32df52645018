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
        switch self {
        case .negotiate(let version, let actions, let flags):
            bytes.appendMilterFrame(code: "O") { $0.appendNegotiation(version, actions, flags) }
        case .continue: bytes.appendMilterFrame(code: "c") { _ in }
        case .accept: bytes.appendMilterFrame(code: "a") { _ in }
        case .reject: bytes.appendMilterFrame(code: "r") { _ in }
        case .tempfail: bytes.appendMilterFrame(code: "t") { _ in }
        case .discard: bytes.appendMilterFrame(code: "d") { _ in }
        case .skip: bytes.appendMilterFrame(code: "s") { _ in }
        case .progress: bytes.appendMilterFrame(code: "p") { _ in }
        case .replyCode(let text):
            bytes.appendMilterFrame(code: "y") { $0.appendCString(text) }
        case .addHeader(let name, let value):
            bytes.appendMilterFrame(code: "h") { payload in
                payload.appendCString(name)
                payload.appendCString(value)
            }
        case .insertHeader(let index, let name, let value):
            bytes.appendMilterFrame(code: "i") { payload in
                payload.appendUInt32(index)
                payload.appendCString(name)
                payload.appendCString(value)
            }
        case .changeHeader(let index, let name, let value):
            bytes.appendMilterFrame(code: "m") { payload in
                payload.appendUInt32(index)
                payload.appendCString(name)
                payload.appendCString(value)
            }
        case .quarantine(let reason):
            bytes.appendMilterFrame(code: "q") { $0.appendCString(reason) }
        case .addRecipient(let address):
            bytes.appendMilterFrame(code: "+") { $0.appendCString(address) }
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
