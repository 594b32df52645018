extension DMARCRecord {
    /// Records parsed before, by their text (a sender's record comes back with its next message).
    private static let parsedTexts = RecordCache<String, Result<DMARCRecord, ParseError>>(capacity: 1024)

    /// The record ``init(parsing:)`` reads from `text`, parsed now or kept from before.
    static func cached(parsing text: String) throws(ParseError) -> DMARCRecord {
        try parsedTexts.value(for: text) { Result { () throws(ParseError) in try DMARCRecord(parsing: text) } }.get()
    }

    /// Reads a DMARC Policy Record (RFC 9989 §4.7, §4.8).
    ///
    /// Only a missing or wrong version makes this throw: "If the tag is not the first in the
    /// list, the tag is absent, or the value is not "DMARC1", then the entire record MUST be
    /// ignored" (§4.7). Every other fault is recorded in ``problems`` and the value replaced by
    /// its default, as §4.8 says. Tag names and keyword values compare without regard to case
    /// (RFC 5234 §2.3 strings), the version value exactly (`%s"DMARC1"`). White space around `;`
    /// and `=` is allowed (`dmarc-sep`, `equals`), and so is white space before the first tag,
    /// which the DKIM tag-list syntax that §4.7 builds on allows. Unknown tags are ignored.
    /// A tag given twice keeps its first value.
    public init(parsing text: String) throws(ParseError) {
        var parts = text.split(separator: ";", omittingEmptySubsequences: false)[...]
        guard let first = parts.popFirst(), let version = Self.tag(first), version.name == "v" else {
            throw ParseError(reason: "does not start with a v=DMARC1 tag")
        }
        guard version.value == "DMARC1" else {
            throw ParseError(reason: "version is \"\(version.value)\", not DMARC1")
        }
        self.text = text
        var seen: Set<String> = ["v"]
        for part in parts {
            let trimmed = Self.trimmed(part)
            if trimmed.isEmpty { continue }
            guard let tag = Self.tag(part) else {
                problems.append(Problem(tag: "", value: String(trimmed), reason: "not a tag=value pair"))
                continue
            }
            guard seen.insert(tag.name).inserted else {
                if Self.knownTags.contains(tag.name) {
                    problems.append(Problem(tag: tag.name, value: tag.value, reason: "repeated tag; the first value is kept"))
                }
                continue
            }
            apply(tag.name, tag.value)
        }
    }

    /// RFC 9989 §9.3: the registered tags, including the historic ones still read here.
    private static let knownTags: Set<String> = [
        "adkim", "aspf", "fo", "np", "p", "pct", "psd", "rf", "ri", "rua", "ruf", "sp", "t", "v",
    ]

    private mutating func apply(_ name: String, _ value: String) {
        func problem(_ reason: String) {
            problems.append(Problem(tag: name, value: value, reason: reason))
        }
        // RFC 9989 §4.8: dmarc-value is printable ASCII other than ";"; anything else is a
        // syntax error in a known tag.
        let printable = !value.isEmpty && value.utf8.allSatisfy { (0x20...0x7E).contains($0) }
        let keyword = value.lowercased()
        switch name {
        case "p", "sp", "np":
            guard printable, let policy = DMARCPolicy(rawValue: keyword) else {
                return problem("not one of none, quarantine, reject")
            }
            switch name {
            case "p": self.policy = policy
            case "sp": subdomainPolicy = policy
            default: nonExistentSubdomainPolicy = policy
            }
        case "adkim", "aspf":
            guard let mode = AlignmentMode(rawValue: keyword) else { return problem("not r or s; r is used") }
            if name == "adkim" { dkimAlignment = mode } else { spfAlignment = mode }
        case "psd":
            guard let flag = PublicSuffixFlag(rawValue: keyword) else { return problem("not y, n or u; u is used") }
            publicSuffix = flag
        case "t":
            guard keyword == "y" || keyword == "n" else { return problem("not y or n; n is used") }
            isTesting = keyword == "y"
        case "pct":
            // RFC 7489 §6.3: an integer between 0 and 100 inclusive (`1*3DIGIT`).
            guard value.utf8.count <= 3, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let number = Int(value), number <= 100
            else { return problem("not an integer from 0 to 100") }
            percent = number
        case "rua", "ruf":
            let uris = parseURIList(name, value)
            if name == "rua" { aggregateReportURIs = uris } else { failureReportURIs = uris }
        case "fo":
            guard printable, let options = Self.failureOptions(keyword) else {
                return problem("not a valid fo list; 0 is used")
            }
            failureReportOptions = options
        case "rf":
            let formats = keyword.split(separator: ":", omittingEmptySubsequences: false).map(Self.trimmed)
            guard formats.allSatisfy(Self.isKeyword) else { return problem("not a list of report format names") }
            failureReportFormats = formats.map(String.init)
        case "ri":
            guard value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let seconds = UInt32(value) else {
                return problem("not a 32-bit count of seconds")
            }
            reportInterval = seconds
        default:
            break
        }
    }

    /// RFC 9989 §4.8 `dmarc-urilist`: URIs separated by commas with optional white space. Elements
    /// that are not valid URIs are left out and recorded as problems.
    private mutating func parseURIList(_ name: String, _ value: String) -> [DMARCReportURI] {
        var uris: [DMARCReportURI] = []
        for element in value.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = Self.trimmed(element)
            if let uri = DMARCReportURI(parsing: trimmed) {
                uris.append(uri)
            } else {
                problems.append(Problem(tag: name, value: String(trimmed), reason: "not a valid reporting URI; ignored"))
            }
        }
        return uris
    }

    /// RFC 9989 §4.8 `dmarc-fo`: `0`, `1`, `d`, `s` separated by colons, each at most once and
    /// `0` and `1` not together; RFC 7489 §6.4 allowed white space around the colons.
    private static func failureOptions(_ value: String) -> [FailureReportOption]? {
        var options: [FailureReportOption] = []
        for element in value.split(separator: ":", omittingEmptySubsequences: false) {
            guard let option = FailureReportOption(rawValue: String(trimmed(element))), !options.contains(option) else {
                return nil
            }
            options.append(option)
        }
        guard !(options.contains(.allFail) && options.contains(.anyFail)) else { return nil }
        return options
    }

    /// RFC 5321 §4.1.2 `Keyword`: a letter or digit, then letters, digits and hyphens.
    private static func isKeyword(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, isAlphaNumeric(first) else { return false }
        return text.utf8.allSatisfy { isAlphaNumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// One `tag equals value` element (RFC 9989 §4.8 `dmarc-tag`): the name lower-cased, the
    /// value with surrounding white space removed; nil when there is no `=` or the name is not
    /// 1*ALPHA.
    private static func tag(_ part: Substring) -> (name: String, value: String)? {
        guard let equals = part.firstIndex(of: "=") else { return nil }
        let name = trimmed(part[..<equals])
        guard !name.isEmpty, name.utf8.allSatisfy(isAlpha) else { return nil }
        return (name.lowercased(), String(trimmed(part[part.index(after: equals)...])))
    }

    /// `text` without the WSP (space, tab) at either end.
    private static func trimmed(_ text: Substring) -> Substring {
        let isWSP: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isWSP($0) }), let end = text.lastIndex(where: { !isWSP($0) }) else {
            return text[text.endIndex...]
        }
        return text[start...end]
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        isAlpha(byte) || (0x30...0x39).contains(byte)
    }
}
