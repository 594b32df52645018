/// Cuts the byte stream from the MTA into frames: a 32-bit length in network order that counts
/// the command byte and the payload, then the command byte, then the payload.
///
/// Bytes may arrive in any pieces. The length is checked against ``maximumFrameSize`` as soon as
/// its four bytes are in, before any of the payload is kept.
public struct MilterFrameParser: Sendable {
    /// Postfix sends a header field in one frame and allows fields of up to `header_size_limit`
    /// (102,400 bytes by default); body chunks are at most 65,535 bytes. One MiB leaves room for
    /// sites that raise the limit and still bounds what one connection can make us hold.
    public static let defaultMaximumFrameSize = 1 << 20

    public let maximumFrameSize: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maximumFrameSize: Int = Self.defaultMaximumFrameSize) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Adds bytes received from the MTA.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received and not yet returned as a frame.
    public var bufferedByteCount: Int { buffer.count - start }

    /// The next whole command from an MTA, or nil when more bytes are needed.
    public mutating func nextCommand() throws(MilterProtocolError) -> MilterCommand? {
        guard let (code, payload) = try nextFrame() else { return nil }
        return try MilterCommand(code: code, payload: payload)
    }

    /// The next whole reply from a filter, or nil when more bytes are needed.
    public mutating func nextReply() throws(MilterProtocolError) -> MilterReply? {
        guard let (code, payload) = try nextFrame() else { return nil }
        return try MilterReply(code: code, payload: payload)
    }

    private mutating func nextFrame() throws(MilterProtocolError) -> (UInt8, ArraySlice<UInt8>)? {
        guard bufferedByteCount >= 4 else { return nil }
        let length = buffer[start..<(start + 4)].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0 else { throw MilterProtocolError(.emptyFrame, "frame of length 0") }
        guard length <= maximumFrameSize else {
            throw MilterProtocolError(.oversizedFrame, "frame of \(length) bytes, over the limit of \(maximumFrameSize)")
        }
        guard bufferedByteCount >= 4 + length else { return nil }
        let code = buffer[start + 4]
        let payload = buffer[(start + 5)..<(start + 4 + length)]
        start += 4 + length
        // A buffer read to its end is emptied by the next append, once this payload, which
        // shares its storage, is gone: emptied now, it would be copied.
        if start < buffer.count && start > 65536 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return (code, payload)
    }
}
