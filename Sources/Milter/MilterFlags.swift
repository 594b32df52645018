/// What a filter may do to a message (SMFIF_*), offered by the MTA and requested by the filter
/// during option negotiation.
public struct MilterActions: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let addHeaders = MilterActions(rawValue: 0x01)
    public static let changeBody = MilterActions(rawValue: 0x02)
    public static let addRecipients = MilterActions(rawValue: 0x04)
    public static let deleteRecipients = MilterActions(rawValue: 0x08)
    public static let changeHeaders = MilterActions(rawValue: 0x10)
    public static let quarantine = MilterActions(rawValue: 0x20)
    public static let changeSender = MilterActions(rawValue: 0x40)
    public static let addRecipientsWithParameters = MilterActions(rawValue: 0x80)
    public static let setMacroList = MilterActions(rawValue: 0x100)

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// Which events the MTA sends and which it expects replies to (SMFIP_*).
public struct MilterProtocolFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let noConnect = MilterProtocolFlags(rawValue: 0x1)
    public static let noHelo = MilterProtocolFlags(rawValue: 0x2)
    public static let noMail = MilterProtocolFlags(rawValue: 0x4)
    public static let noRecipient = MilterProtocolFlags(rawValue: 0x8)
    public static let noBody = MilterProtocolFlags(rawValue: 0x10)
    public static let noHeaders = MilterProtocolFlags(rawValue: 0x20)
    public static let noEndOfHeaders = MilterProtocolFlags(rawValue: 0x40)
    public static let noReplyToHeaders = MilterProtocolFlags(rawValue: 0x80)
    public static let noUnknown = MilterProtocolFlags(rawValue: 0x100)
    public static let noData = MilterProtocolFlags(rawValue: 0x200)
    /// The MTA understands SMFIR_SKIP during the body.
    public static let skip = MilterProtocolFlags(rawValue: 0x400)
    public static let rejectedRecipients = MilterProtocolFlags(rawValue: 0x800)
    public static let noReplyToConnect = MilterProtocolFlags(rawValue: 0x1000)
    public static let noReplyToHelo = MilterProtocolFlags(rawValue: 0x2000)
    public static let noReplyToMail = MilterProtocolFlags(rawValue: 0x4000)
    public static let noReplyToRecipient = MilterProtocolFlags(rawValue: 0x8000)
    public static let noReplyToData = MilterProtocolFlags(rawValue: 0x10000)
    public static let noReplyToUnknown = MilterProtocolFlags(rawValue: 0x20000)
    public static let noReplyToEndOfHeaders = MilterProtocolFlags(rawValue: 0x40000)
    public static let noReplyToBody = MilterProtocolFlags(rawValue: 0x80000)
    /// Header values arrive with their leading space, and added ones are sent as given.
    public static let headerLeadingSpace = MilterProtocolFlags(rawValue: 0x100000)

    public var description: String { "0x" + String(rawValue, radix: 16) }
}
