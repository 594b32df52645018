/// Option negotiation (SMFIC_OPTNEG): what the filter asks of the MTA, limited to what the MTA
/// offered, since an MTA drops a filter that answers with a higher version or with actions or
/// flags it did not offer.
public struct MilterNegotiation: Sendable, Hashable {
    /// The oldest and newest protocol versions spoken: 2 (Sendmail 8.13) to 6 (Postfix, Sendmail 8.14+).
    public static let supportedVersions: ClosedRange<UInt32> = 2...6

    /// What a DMARC filter needs to do: add Authentication-Results, remove forged ones, put
    /// failing mail in the hold queue, and copy it to a recipient (`CopyFailuresTo`).
    public static let wantedActions: MilterActions = [.addHeaders, .addRecipients, .changeHeaders, .quarantine]

    /// Events the DMARC filter has no use for, and replies it never needs to send, so the MTA
    /// neither sends nor waits for them; and header values with their leading space, which
    /// DKIM's simple canonicalization needs byte for byte. Only MAIL (accepted when the client
    /// or the mail is not checked) and the end of the message are answered: every other reply
    /// would be "continue", and each one the MTA waits for costs a round trip and two thread
    /// wake-ups. An ignored host is therefore accepted at each MAIL rather than once at
    /// CONNECT: one round trip per message from a host that is not checked, instead of one per
    /// connection from every host.
    public static let wantedProtocolFlags: MilterProtocolFlags = [
        .noUnknown, .noData, .noReplyToConnect, .noReplyToHeaders, .noReplyToHelo, .noReplyToRecipient,
        .noReplyToEndOfHeaders, .noReplyToBody, .skip, .headerLeadingSpace,
    ]

    public let version: UInt32
    public let actions: MilterActions
    public let protocolFlags: MilterProtocolFlags

    /// Agrees on version, actions and flags with an MTA's offer.
    public init(
        offeredVersion: UInt32,
        offeredActions: MilterActions,
        offeredFlags: MilterProtocolFlags,
        wantedActions: MilterActions = Self.wantedActions,
        wantedFlags: MilterProtocolFlags = Self.wantedProtocolFlags
    ) throws(MilterProtocolError) {
        guard offeredVersion >= Self.supportedVersions.lowerBound else {
            throw MilterProtocolError(.unsupportedVersion, command: UInt8(ascii: "O"),
                                      "the MTA offers protocol version \(offeredVersion); at least 2 is needed")
        }
        version = min(offeredVersion, Self.supportedVersions.upperBound)
        actions = wantedActions.intersection(offeredActions)
        protocolFlags = wantedFlags.intersection(offeredFlags)
    }

    /// The reply that tells the MTA what was agreed.
    public var reply: MilterReply {
        .negotiate(version: version, actions: actions, protocolFlags: protocolFlags)
    }

    /// True when the MTA will send the event that `flag` (a `no…` flag) would have turned off.
    public func receives(_ flag: MilterProtocolFlags) -> Bool {
        !protocolFlags.contains(flag)
    }
}
