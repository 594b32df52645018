/// Why the RFC5322.From field did not yield exactly one Author Domain.
///
/// RFC 9989 §4.4 and §5.3.1: with zero or several domains "DMARC validation is not possible";
/// RFC 7489 §6.6.1 lists the usual handling of each case. What dmarcd does about it is the
/// ``DMARCEvaluator/AuthorDomainHandling`` the caller chose.
public enum DMARCAuthorDomainProblem: Sendable, Hashable, CustomStringConvertible {
    /// The message has no From field (RFC 5322 §3.6 requires one).
    case noFromField
    /// The message has several From fields (RFC 5322 §3.6 allows one).
    case multipleFromFields(Int)
    /// A From field is not an address list; the text says where and why.
    case unreadableFrom(String)
    /// A From field names no mailbox, such as an empty group (RFC 7489 §6.6.1).
    case noAddress
    /// An address's domain is a domain literal or not a usable DNS name.
    case unusableDomain(String)
    /// One From field holds mailboxes of different domains (normalized, in order).
    case multipleDomains([String])
    /// More Author Domains than ``DMARCEvaluator/Limits/authorDomains`` (RFC 9989 §11.5:
    /// "If not all Author Domains are processed, then the DMARC evaluation is incomplete").
    case tooManyDomains(Int)

    public var description: String {
        switch self {
        case .noFromField: "the message has no From field"
        case .multipleFromFields(let count): "the message has \(count) From fields"
        case .unreadableFrom(let why): "the From field cannot be read (\(why))"
        case .noAddress: "the From field holds no mailbox"
        case .unusableDomain(let domain): "the From domain \(domain) is not a usable domain name"
        case .multipleDomains(let domains): "the From field has \(domains.count) domains (\(domains.joined(separator: ", ")))"
        case .tooManyDomains(let count): "the From field has \(count) domains, more than are evaluated"
        }
    }

    /// True when no From domain at all can be read (OpenDMARC's `RequiredFrom` rejects these);
    /// false when there are domains, only too many (what `MultiValueFrom` decides about).
    public var meansNoFromDomain: Bool {
        switch self {
        case .noFromField, .multipleFromFields, .unreadableFrom, .noAddress, .unusableDomain: true
        case .multipleDomains, .tooManyDomains: false
        }
    }
}

/// The Author Domains of a message (RFC 9989 §3.2.2, §5.3.1), read from its From fields.
struct DMARCAuthorDomains: Sendable, Hashable {
    /// The distinct domains of all readable From mailboxes, lower-case A-labels, in order.
    var domains: [String] = []
    /// Why there is not exactly one Author Domain; nil when there is.
    var problem: DMARCAuthorDomainProblem?
    /// False when some From field or address could not be used, so `domains` may miss one.
    var isComplete = true

    init(fromFields: [String], maximumFieldBytes: Int) {
        guard !fromFields.isEmpty else {
            problem = .noFromField
            isComplete = false
            return
        }
        var problems: [DMARCAuthorDomainProblem] = []
        var seen: Set<String> = []
        for field in fromFields {
            guard field.utf8.count <= maximumFieldBytes else {
                problems.append(.unreadableFrom("longer than \(maximumFieldBytes) bytes"))
                continue
            }
            let mailboxes: [Mailbox]
            do {
                mailboxes = try MailboxListParser.parseAddressList(field).flatMap(\.mailboxes)
            } catch {
                problems.append(.unreadableFrom(error.description))
                continue
            }
            if mailboxes.isEmpty { problems.append(.noAddress) }
            for mailbox in mailboxes {
                // RFC 9989 §5.3.1: a U-label domain "MUST be converted to an A-label".
                guard !mailbox.hasDomainLiteral, let domain = DMARCDomainName.normalized(mailbox.domain) else {
                    problems.append(.unusableDomain(mailbox.domain))
                    continue
                }
                if seen.insert(domain).inserted { domains.append(domain) }
            }
        }
        isComplete = problems.isEmpty
        if fromFields.count > 1 {
            problem = .multipleFromFields(fromFields.count)
        } else if let first = problems.first {
            problem = first
        } else if domains.count > 1 {
            problem = .multipleDomains(domains)
        }
    }
}
