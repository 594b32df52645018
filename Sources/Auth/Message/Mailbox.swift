/// A mailbox of RFC 5322 §3.4: an optional display name and an address (`local-part@domain`).
public struct Mailbox: Sendable, Hashable, CustomStringConvertible {
    /// The display name with quoting, comments and RFC 2047 encoded-words undone; nil when the
    /// mailbox had none (a bare addr-spec, or `<addr>` alone).
    public var displayName: String?
    /// The local part with quoting undone (`"john doe"` becomes `john doe`).
    public var localPart: String
    /// The domain as written, lower and upper case kept; a domain literal keeps its brackets
    /// (`[192.0.2.1]`). UTF-8 domains (RFC 6532 §3.2) are kept in their U-label form.
    public var domain: String

    /// A mailbox from its parts.
    public init(displayName: String? = nil, localPart: String, domain: String) {
        self.displayName = displayName
        self.localPart = localPart
        self.domain = domain
    }

    /// True when the domain is a domain literal (RFC 5322 §3.4.1), not a name.
    public var hasDomainLiteral: Bool { domain.hasPrefix("[") }

    /// The addr-spec, the local part quoted again when it is not a dot-atom.
    public var address: String {
        let isDotAtom = !localPart.isEmpty
            && localPart.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.utf8.allSatisfy(MailboxListTokenizer.isAtext)
            }
        guard !isDotAtom else { return localPart + "@" + domain }
        var quoted = "\""
        for character in localPart {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\"@" + domain
    }

    public var description: String {
        guard let displayName else { return address }
        return "\(displayName) <\(address)>"
    }
}

/// One element of an address-list (RFC 5322 §3.4): a mailbox, or a named group of mailboxes,
/// which RFC 6854 allows in From as well.
public enum MailboxListEntry: Sendable, Hashable, CustomStringConvertible {
    case mailbox(Mailbox)
    /// `display-name ":" [group-list] ";"`; the member list may be empty.
    case group(name: String, members: [Mailbox])

    /// The mailboxes this element stands for: itself, or the group's members.
    public var mailboxes: [Mailbox] {
        switch self {
        case .mailbox(let mailbox): [mailbox]
        case .group(_, let members): members
        }
    }

    public var description: String {
        switch self {
        case .mailbox(let mailbox): mailbox.description
        case .group(let name, let members): "\(name): " + members.map(\.description).joined(separator: ", ") + ";"
        }
    }
}
