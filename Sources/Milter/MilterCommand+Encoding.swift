extension MilterCommand {
    /// The command as one frame on the wire, as an MTA sends it (for test clients and benchmarks
    /// that play the MTA).
    public var frame: [UInt8] {
        var frame: [UInt8] = []
        frame.appendMilterFrame(code: code) { appendPayload(to: &$0) }
        return frame
    }

    private func appendPayload(to payload: inout [UInt8]) {
        switch self {
        case .negotiate(let version, let actions, let flags):
            payload.appendNegotiation(version, actions, flags)
        case .macros(let forCode, let macros):
            payload.append(forCode)
            for (name, value) in macros.sorted(by: { $0.key < $1.key }) {
                payload.appendCString(name)
                payload.appendCString(value)
            }
        case .connect(let hostname, let address):
            payload.appendCString(hostname)
            switch address {
            case .unknown:
                payload.append(UInt8(ascii: "U"))
            case .ipv4(let text, let port), .ipv6(let text, let port):
                payload.append(UInt8(ascii: address.isIPv4 ? "4" : "6"))
                payload.append(contentsOf: [UInt8(port >> 8), UInt8(truncatingIfNeeded: port)])
                payload.appendCString(text)
            case .unixSocket(let path):
                payload.append(UInt8(ascii: "L"))
                payload.append(contentsOf: [0, 0])
                payload.appendCString(path)
            }
        case .helo(let name), .unknown(let name):
            payload.appendCString(name)
        case .mail(let address, let parameters), .recipient(let address, let parameters):
            payload.appendCString(address)
            parameters.forEach { payload.appendCString($0) }
        case .header(let name, let value):
            payload.appendCString(name)
            payload.append(contentsOf: value)
            payload.append(0)
        case .body(let bytes), .endOfMessage(let bytes):
            payload.append(contentsOf: bytes)
        case .data, .endOfHeaders, .abort, .quit, .quitNewConnection:
            break
        }
    }
}

extension MilterClientAddress {
    fileprivate var isIPv4: Bool {
        if case .ipv4 = self { true } else { false }
    }
}
