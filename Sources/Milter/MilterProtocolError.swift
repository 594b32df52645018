/// The peer broke the milter protocol; the connection cannot go on.
public struct MilterProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case emptyFrame
        case oversizedFrame
        case unknownCommand
        case malformedPayload
        case unexpectedCommand
        case unsupportedVersion
    }

    public var kind: Kind
    /// The command byte of the frame, when there was one.
    public var command: UInt8?
    public var reason: String

    public init(_ kind: Kind, command: UInt8? = nil, _ reason: String) {
        self.kind = kind
        self.command = command
        self.reason = reason
    }

    public var description: String {
        guard let command else { return reason }
        let name = (0x21...0x7E).contains(command) ? "'\(Character(Unicode.Scalar(command)))'" : "0x\(String(command, radix: 16))"
        return "command \(name): \(reason)"
    }
}
