/// The DMARC result of a message, in the names of RFC 9989 §9.2.
public enum DMARCResult: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A DMARC Policy Record exists for the Author Domain, and an Authenticated Identifier is
    /// aligned with it.
    case pass
    /// A DMARC Policy Record exists for the Author Domain, but no Authenticated Identifier is
    /// aligned with it.
    case fail
    /// No DMARC Policy Record exists for the Author Domain.
    case none
    /// An error likely to be transient, such as a DNS server being unreachable.
    case temperror
    /// An error that a later attempt will not fix, such as an improperly formatted record or a
    /// message without a usable RFC5322.From domain.
    case permerror

    public var description: String { rawValue }
}
