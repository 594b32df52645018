/// One header field of a message (RFC 5322 §2.2): a name and the raw bytes after its colon.
///
/// The value is kept byte for byte, folding included, because DKIM "simple" header
/// canonicalization (RFC 6376 §3.4.1) hashes the field exactly as it was sent. Line ends inside
/// the value are always CRLF: bare LF, which is how Postfix hands folded values to a milter, is
/// repaired on the way in.
public struct HeaderField: Sendable, Hashable, CustomStringConvertible {
    /// The field name as it appeared before the colon, e.g. `DKIM-Signature`.
    public var name: String
    /// Every byte after the colon up to (not including) the CRLF that ends the field, with the
    /// CRLF of each folded line kept.
    public var rawValue: [UInt8]

    /// A field from its name and the bytes that followed the colon.
    public init<Bytes: Collection<UInt8>>(name: String, rawValue: Bytes) {
        self.name = name
        self.rawValue = LineEndings.crlf(rawValue)
    }

    /// A field from its name and value text (which may contain folds written as LF or CRLF).
    public init(name: String, value: String) {
        self.init(name: name, rawValue: Array(value.utf8))
    }

    /// A field as a milter receives it from the MTA in an SMFIC_HEADER packet.
    ///
    /// Without the SMFIP_HDR_LEADSPC protocol option Postfix and sendmail drop the one space that
    /// usually follows the colon (`leadingSpaceStripped`); it is put back so that the field has
    /// the bytes the signer saw. A field sent without any space after its colon cannot be told
    /// apart from one that had a space, so a milter that wants exact "simple" canonicalization
    /// negotiates SMFIP_HDR_LEADSPC and passes `false`.
    public init<Bytes: Collection<UInt8>>(milterName name: String, value: Bytes, leadingSpaceStripped: Bool) {
        if leadingSpaceStripped {
            self.init(name: name, rawValue: [MessageByte.space] + Array(value))
        } else {
            self.init(name: name, rawValue: value)
        }
    }

    /// True when this field's name is `other`, compared without regard to ASCII case
    /// (RFC 5322 §1.2.2: field names are case-insensitive).
    public func hasName(_ other: String) -> Bool {
        let mine = name.utf8
        let theirs = other.utf8
        guard mine.count == theirs.count else { return false }
        return zip(mine, theirs).allSatisfy { MessageByte.lowercased($0) == MessageByte.lowercased($1) }
    }

    /// The name in lower case, for looking fields up by name.
    public var lowercasedName: String {
        String(decoding: name.utf8.map(MessageByte.lowercased), as: UTF8.self)
    }

    /// The name as a DKIM `h=` tag lists it: in lower case, and without the white space RFC 6376
    /// §3.4.5 shows before the colon, which is not part of the name.
    var signedName: String {
        lowercasedName.trimmingASCII(" \t")
    }

    /// The value with folding removed (RFC 5322 §2.2.3) and the white space around it trimmed;
    /// bytes that are not UTF-8 become U+FFFD.
    public var unfoldedValue: String {
        let unfolded = HeaderFolding.unfold(rawValue)
        var start = unfolded.startIndex
        var end = unfolded.endIndex
        while start < end, MessageByte.isWSP(unfolded[start]) { start += 1 }
        while end > start, MessageByte.isWSP(unfolded[end - 1]) { end -= 1 }
        return String(decoding: unfolded[start..<end], as: UTF8.self)
    }

    /// The size of the field as it sits in the message: name, colon, value and the final CRLF.
    public var byteCount: Int { name.utf8.count + 1 + rawValue.count + 2 }

    /// The field as it would be written in a message, without the final CRLF.
    public var description: String {
        name + ":" + String(decoding: rawValue, as: UTF8.self)
    }
}
