/// A message's SMTP envelope as the filter sees it at MAIL FROM.
public struct MilterEnvelope: Sendable, Hashable {
    /// The MAIL FROM address as given, usually in angle brackets.
    public var sender: String
    /// Macros sent with SMFIC_MAIL (`i`, `{auth_authen}`, `{mail_addr}`…).
    public var macros: [String: String]

    /// An envelope with the sender and the macros that came with it.
    public init(sender: String, macros: [String: String]) {
        self.sender = sender
        self.macros = macros
    }
}
