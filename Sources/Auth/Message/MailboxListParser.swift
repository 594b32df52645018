/// Reads the addresses of an address header field such as From, To or Cc (RFC 5322 §3.4).
///
/// It accepts what RFC 5322 §3.4 describes plus the obsolete forms of §4.4 that real mail still
/// carries: periods in display names (`John Q. Public`), white space and comments around the
/// dots of an address, source routes (`<@relay:user@example.com>`) and empty list elements.
/// UTF-8 is allowed in atoms and quoted strings (RFC 6532 §3.2), so internationalized addresses
/// (RFC 8616) come out with their U-label domains. Display names have RFC 2047 encoded-words
/// decoded. One leniency goes beyond §4.4: a local part may contain empty dot-separated parts
/// (`a..b@`, `a.@`), as some mobile carriers issue them and only the domain matters to
/// authentication.
///
/// The parser works on the unfolded or folded field value, never traps and runs in time linear
/// in the input; a value it cannot read gives a ``SyntaxError`` with the byte offset.
public enum MailboxListParser {
    /// Why a field value is not an address list.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset in the value where reading stopped.
        public var offset: Int
        /// What was expected or found there.
        public var reason: String

        /// An error at `offset`.
        public init(offset: Int, reason: String) {
            self.offset = offset
            self.reason = reason
        }

        public var description: String { "at byte \(offset): \(reason)" }
    }

    /// Reads an `address-list` (RFC 5322 §3.4 and §4.4 `obs-addr-list`): mailboxes and groups.
    /// RFC 6854 lets From hold groups too. An empty list is a syntax error.
    public static func parseAddressList(_ value: String) throws(SyntaxError) -> [MailboxListEntry] {
        var reader = Reader(tokens: try MailboxListTokenizer.tokens(Array(value.utf8)), end: value.utf8.count)
        let entries = try reader.list(allowingGroups: true)
        guard !entries.isEmpty else { throw SyntaxError(offset: 0, reason: "no address") }
        return entries
    }

    /// Reads a `mailbox-list` (RFC 5322 §3.4 and §4.4 `obs-mbox-list`): mailboxes only.
    public static func parseMailboxList(_ value: String) throws(SyntaxError) -> [Mailbox] {
        var reader = Reader(tokens: try MailboxListTokenizer.tokens(Array(value.utf8)), end: value.utf8.count)
        let entries = try reader.list(allowingGroups: false)
        guard !entries.isEmpty else { throw SyntaxError(offset: 0, reason: "no mailbox") }
        return entries.flatMap(\.mailboxes)
    }

    /// A recursive-descent reader over the tokens; groups do not nest, so the depth is bounded.
    private struct Reader {
        let tokens: [MailboxListToken]
        /// The value's length, reported as the offset of errors at its end.
        let end: Int
        var index = 0

        var next: MailboxListToken? { index < tokens.count ? tokens[index] : nil }

        func nextIs(_ special: Unicode.Scalar) -> Bool { next?.isSpecial(special) ?? false }

        func error(_ reason: String) -> SyntaxError {
            SyntaxError(offset: next?.offset ?? end, reason: reason)
        }

        mutating func list(allowingGroups: Bool) throws(SyntaxError) -> [MailboxListEntry] {
            var entries: [MailboxListEntry] = []
            while true {
                // RFC 5322 §4.4 obs-addr-list / obs-mbox-list: empty elements between commas.
                while nextIs(",") { index += 1 }
                guard next != nil else { return entries }
                entries.append(try address(allowingGroups: allowingGroups))
                guard next != nil else { return entries }
                guard nextIs(",") else { throw error("expected \",\" between addresses") }
            }
        }

        /// `address = mailbox / group`, where `mailbox = name-addr / addr-spec`.
        mutating func address(allowingGroups: Bool) throws(SyntaxError) -> MailboxListEntry {
            let phrase = phraseTokens()
            if nextIs("<") {
                index += 1
                return .mailbox(try angleAddress(displayName: phrase))
            }
            if nextIs(":") {
                guard allowingGroups else { throw error("a group is not allowed here") }
                guard phrase.contains(where: \.isWord) else { throw error("a group needs a name") }
                index += 1
                return .group(name: MailboxDisplayName.text(of: phrase), members: try groupMembers())
            }
            if nextIs("@") {
                index += 1
                let localPart = try Self.localPart(phrase, at: phrase.first?.offset ?? next?.offset ?? end)
                return .mailbox(Mailbox(localPart: localPart, domain: try domain()))
            }
            throw error(phrase.isEmpty ? "expected an address" : "expected \"<\", \"@\" or \":\" after a name")
        }

        /// Words and periods: a display name (`phrase`, §4.4 `obs-phrase`) or a local part.
        mutating func phraseTokens() -> ArraySlice<MailboxListToken> {
            let start = index
            while let token = next, token.isWord || token.isSpecial(".") { index += 1 }
            return tokens[start..<index]
        }

        /// After `<`: [obs-route] addr-spec `>` (RFC 5322 §3.4, §4.4 `obs-angle-addr`).
        mutating func angleAddress(displayName phrase: ArraySlice<MailboxListToken>) throws(SyntaxError) -> Mailbox {
            if nextIs("@") || nextIs(",") { try skipRoute() }
            let local = phraseTokens()
            guard nextIs("@") else { throw error("expected \"@\" in the address") }
            let localPart = try Self.localPart(local, at: local.first?.offset ?? next?.offset ?? end)
            index += 1
            let domain = try domain()
            guard nextIs(">") else { throw error("expected \">\" after the address") }
            index += 1
            let name = phrase.contains(where: \.isWord) ? MailboxDisplayName.text(of: phrase) : nil
            return Mailbox(displayName: name, localPart: localPart, domain: domain)
        }

        /// RFC 5322 §4.4 `obs-route`: `*(CFWS / ",") "@" domain *("," [CFWS] ["@" domain]) ":"`.
        mutating func skipRoute() throws(SyntaxError) {
            while nextIs(",") { index += 1 }
            guard nextIs("@") else { throw error("expected \"@\" in a source route") }
            index += 1
            _ = try domain()
            while nextIs(",") {
                index += 1
                if nextIs("@") {
                    index += 1
                    _ = try domain()
                }
            }
            guard nextIs(":") else { throw error("expected \":\" after a source route") }
            index += 1
        }

        /// After `name:`: members up to `;` (RFC 5322 §3.4 `group-list`, §4.4 `obs-group-list`).
        mutating func groupMembers() throws(SyntaxError) -> [Mailbox] {
            var members: [Mailbox] = []
            while true {
                while nextIs(",") { index += 1 }
                if nextIs(";") {
                    index += 1
                    return members
                }
                guard next != nil else { throw error("group is not closed with \";\"") }
                members.append(contentsOf: try address(allowingGroups: false).mailboxes)
                guard nextIs(",") || nextIs(";") else { throw error("expected \",\" or \";\" in a group") }
            }
        }

        /// `domain = dot-atom / domain-literal / obs-domain` (RFC 5322 §3.4.1, §4.4).
        mutating func domain() throws(SyntaxError) -> String {
            guard let first = next else { throw error("expected a domain") }
            if first.kind == .domainLiteral {
                index += 1
                return String(decoding: first.text, as: UTF8.self)
            }
            guard first.kind == .atom else { throw error("expected a domain") }
            var text = first.text
            index += 1
            while nextIs(".") {
                index += 1
                guard let label = next, label.kind == .atom else { throw error("empty label in the domain") }
                text.append(UInt8(ascii: "."))
                text.append(contentsOf: label.text)
                index += 1
            }
            return String(decoding: text, as: UTF8.self)
        }

        /// `local-part = dot-atom / quoted-string / obs-local-part`, with the carriers'
        /// empty parts allowed (see ``MailboxListParser``); words must be separated by periods.
        static func localPart(_ tokens: ArraySlice<MailboxListToken>, at offset: Int) throws(SyntaxError) -> String {
            guard tokens.contains(where: \.isWord) else { throw SyntaxError(offset: offset, reason: "empty local part") }
            var bytes: [UInt8] = []
            var previousWasWord = false
            for token in tokens {
                if token.isWord {
                    guard !previousWasWord else {
                        throw SyntaxError(offset: token.offset, reason: "words in a local part must be separated by \".\"")
                    }
                    bytes.append(contentsOf: token.text)
                } else {
                    bytes.append(UInt8(ascii: "."))
                }
                previousWasWord = token.isWord
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
