/// A command from the MTA (SMFIC_*), decoded from one frame.
public enum MilterCommand: Sendable, Hashable {
    /// Option negotiation: the protocol version, actions and protocol flags the MTA offers.
    case negotiate(version: UInt32, actions: MilterActions, protocolFlags: MilterProtocolFlags)
    /// Macros (`j`, `{daemon_name}`, `i`…) for the command with the given code that follows.
    case macros(for: UInt8, [String: String])
    case connect(hostname: String, address: MilterClientAddress)
    case helo(String)
    /// MAIL FROM: the address as given (usually in angle brackets) and any ESMTP parameters.
    case mail(sender: String, parameters: [String])
    case recipient(String, parameters: [String])
    case data
    /// One header field: its name and its value as the MTA sends it (bare LF in folded values).
    case header(name: String, value: [UInt8])
    case endOfHeaders
    case body([UInt8])
    /// End of message; a version 2 MTA may put the last body bytes here.
    case endOfMessage([UInt8])
    case abort
    case quit
    /// Quit this message's filter state but keep the connection for another session (v6).
    case quitNewConnection
    case unknown(String)

    /// The wire code, for log lines.
    public var code: Character {
        switch self {
        case .negotiate: "O"
        case .macros: "D"
        case .connect: "C"
        case .helo: "H"
        case .mail: "M"
        case .recipient: "R"
        case .data: "T"
        case .header: "L"
        case .endOfHeaders: "N"
        case .body: "B"
        case .endOfMessage: "E"
        case .abort: "A"
        case .quit: "Q"
        case .quitNewConnection: "K"
        case .unknown: "U"
        }
    }
}

/// Where the SMTP client connected from, as the MTA reports it in SMFIC_CONNECT.
public enum MilterClientAddress: Sendable, Hashable, CustomStringConvertible {
    case ipv4(String, port: UInt16)
    case ipv6(String, port: UInt16)
    case unixSocket(String)
    /// The MTA does not know (family `U`), e.g. mail submitted locally.
    case unknown

    public var description: String {
        switch self {
        case .ipv4(let address, let port): "\(address):\(port)"
        case .ipv6(let address, let port): "[\(address)]:\(port)"
        case .unixSocket(let path): "unix:\(path)"
        case .unknown: "unknown"
        }
    }
}

extension MilterCommand {
    /// Decodes the payload of a frame whose command byte is `code`. Every field is checked
    /// against the payload's length; leftover bytes are an error, as a frame that does not
    /// match its command means the two sides no longer agree on the stream.
    public init(code: UInt8, payload: ArraySlice<UInt8>) throws(MilterProtocolError) {
        var reader = PayloadReader(bytes: payload, command: code)
        switch code {
        case UInt8(ascii: "O"):
            let (version, actions, flags) = try reader.negotiation()
            // Newer MTAs may append fields this version does not know; they carry nothing we need.
            reader.skipRest()
            self = .negotiate(version: version, actions: actions, protocolFlags: flags)
        case UInt8(ascii: "D"):
            let forCode = try reader.byte()
            var macros: [String: String] = [:]
            while !reader.isAtEnd {
                let name = try reader.string()
                macros[name] = try reader.string()
            }
            self = .macros(for: forCode, macros)
        case UInt8(ascii: "C"):
            let hostname = try reader.string()
            let family = try reader.byte()
            switch family {
            case UInt8(ascii: "U"):
                self = .connect(hostname: hostname, address: .unknown)
            case UInt8(ascii: "4"), UInt8(ascii: "6"), UInt8(ascii: "L"):
                let port = try reader.uint16()
                let address = try reader.string()
                let client: MilterClientAddress = switch family {
                case UInt8(ascii: "4"): .ipv4(address, port: port)
                case UInt8(ascii: "6"): .ipv6(address, port: port)
                default: .unixSocket(address)
                }
                self = .connect(hostname: hostname, address: client)
            default:
                throw MilterProtocolError(.malformedPayload, command: code, "unknown address family \(family)")
            }
        case UInt8(ascii: "H"):
            self = .helo(try reader.string())
        case UInt8(ascii: "M"), UInt8(ascii: "R"):
            let address = try reader.string()
            var parameters: [String] = []
            while !reader.isAtEnd { parameters.append(try reader.string()) }
            self = code == UInt8(ascii: "M") ? .mail(sender: address, parameters: parameters)
                                              : .recipient(address, parameters: parameters)
        case UInt8(ascii: "L"):
            let name = try reader.string()
            self = .header(name: name, value: try reader.bytesUntilNUL())
        case UInt8(ascii: "B"):
            self = .body(reader.rest())
        case UInt8(ascii: "E"):
            self = .endOfMessage(reader.rest())
        case UInt8(ascii: "U"):
            self = .unknown(try reader.string())
        case UInt8(ascii: "T"): self = .data
        case UInt8(ascii: "N"): self = .endOfHeaders
        case UInt8(ascii: "A"): self = .abort
        case UInt8(ascii: "Q"): self = .quit
        case UInt8(ascii: "K"): self = .quitNewConnection
        default:
            throw MilterProtocolError(.unknownCommand, command: code, "unknown command")
        }
        try reader.expectEnd()
    }
}

/// Reads the fields of one payload, each read checked against what is left.
struct PayloadReader {
    private var bytes: ArraySlice<UInt8>
    private let command: UInt8

    init(bytes: ArraySlice<UInt8>, command: UInt8) {
        self.bytes = bytes
        self.command = command
    }

    var isAtEnd: Bool { bytes.isEmpty }

    mutating func byte() throws(MilterProtocolError) -> UInt8 {
        guard let byte = bytes.popFirst() else { throw truncated("a byte") }
        return byte
    }

    /// The version, actions and protocol flags of an option negotiation, in that order.
    mutating func negotiation() throws(MilterProtocolError) -> (UInt32, MilterActions, MilterProtocolFlags) {
        (try uint32(), MilterActions(rawValue: try uint32()), MilterProtocolFlags(rawValue: try uint32()))
    }

    mutating func uint16() throws(MilterProtocolError) -> UInt16 {
        guard bytes.count >= 2 else { throw truncated("a 16-bit number") }
        defer { bytes = bytes.dropFirst(2) }
        return UInt16(bytes[bytes.startIndex]) << 8 | UInt16(bytes[bytes.startIndex + 1])
    }

    mutating func uint32() throws(MilterProtocolError) -> UInt32 {
        guard bytes.count >= 4 else { throw truncated("a 32-bit number") }
        defer { bytes = bytes.dropFirst(4) }
        return bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A NUL-terminated string; bytes that are not UTF-8 become U+FFFD.
    mutating func string() throws(MilterProtocolError) -> String {
        String(decoding: try field(), as: UTF8.self)
    }

    mutating func bytesUntilNUL() throws(MilterProtocolError) -> [UInt8] {
        Array(try field())
    }

    /// The bytes up to the next NUL, which is passed over.
    private mutating func field() throws(MilterProtocolError) -> ArraySlice<UInt8> {
        guard let end = bytes.firstIndex(of: 0) else {
            throw MilterProtocolError(.malformedPayload, command: command, "a string without its terminating NUL")
        }
        defer { bytes = bytes[(end + 1)...] }
        return bytes[..<end]
    }

    mutating func rest() -> [UInt8] {
        defer { bytes = bytes[bytes.endIndex...] }
        return Array(bytes)
    }

    mutating func skipRest() {
        bytes = bytes[bytes.endIndex...]
    }

    func expectEnd() throws(MilterProtocolError) {
        guard bytes.isEmpty else {
            throw MilterProtocolError(.malformedPayload, command: command, "\(bytes.count) unexpected bytes after the last field")
        }
    }

    private func truncated(_ what: String) -> MilterProtocolError {
        MilterProtocolError(.malformedPayload, command: command, "payload ends before \(what)")
    }
}
