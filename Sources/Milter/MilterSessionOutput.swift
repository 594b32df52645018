/// What a ``MilterSession`` wants sent after one command.
public struct MilterSessionOutput: Sendable, Hashable {
    /// The replies, in order; the server writes them as one buffer.
    public var replies: [MilterReply]
    /// True after SMFIC_QUIT: close the connection once the replies are out.
    public var closesConnection: Bool

    /// Replies to send, the connection staying open.
    public static func replies(_ replies: [MilterReply]) -> MilterSessionOutput {
        MilterSessionOutput(replies: replies, closesConnection: false)
    }

    /// Nothing to send.
    public static let none = MilterSessionOutput(replies: [], closesConnection: false)

    /// The output with the given replies.
    public init(replies: [MilterReply], closesConnection: Bool) {
        self.replies = replies
        self.closesConnection = closesConnection
    }
}
