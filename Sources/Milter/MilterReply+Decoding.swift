extension MilterReply {
    /// Decodes a reply frame, as an MTA reads it (for test clients and benchmarks).
    public init(code: UInt8, payload: ArraySlice<UInt8>) throws(MilterProtocolError) {
        var reader = PayloadReader(bytes: payload, command: code)
        switch code {
        case UInt8(ascii: "O"):
            let (version, actions, flags) = try reader.negotiation()
            self = .negotiate(version: version, actions: actions, protocolFlags: flags)
        case UInt8(ascii: "c"): self = .continue
        case UInt8(ascii: "a"): self = .accept
        case UInt8(ascii: "r"): self = .reject
        case UInt8(ascii: "t"): self = .tempfail
        case UInt8(ascii: "d"): self = .discard
        case UInt8(ascii: "s"): self = .skip
        case UInt8(ascii: "p"): self = .progress
        case UInt8(ascii: "y"): self = .replyCode(try reader.string())
        case UInt8(ascii: "h"):
            self = .addHeader(name: try reader.string(), value: try reader.string())
        case UInt8(ascii: "i"), UInt8(ascii: "m"):
            let index = try reader.uint32()
            let name = try reader.string()
            let value = try reader.string()
            self = code == UInt8(ascii: "i") ? .insertHeader(index: index, name: name, value: value)
                                              : .changeHeader(index: index, name: name, value: value)
        case UInt8(ascii: "q"): self = .quarantine(reason: try reader.string())
        case UInt8(ascii: "+"): self = .addRecipient(try reader.string())
        default:
            throw MilterProtocolError(.unknownCommand, command: code, "unknown reply")
        }
        try reader.expectEnd()
    }
}
