import Foundation

/// Signs one message with every key its From: address selects in ``DKIMSigningKeys``: fed like
/// the verifier, field by field and then the body in chunks. The milter's signing path and the
/// reports dmarcd sends both sign through it.
public struct DKIMMessageSigner: Sendable {
    /// What signing one message gave.
    public struct Outcome: Sendable {
        /// The DKIM-Signature fields to put on top of the message, one per usable key.
        public var fields: [HeaderField]
        /// The From: domain, lower-cased, when the message has exactly one From: address.
        public var fromDomain: String?
        /// `rsa d=example.com s=sel` for each signature made.
        public var signed: [String]
        /// Why a key that should have signed did not, or why no key was looked for.
        public var problems: [String]
    }

    let keys: DKIMSigningKeys
    /// The header fields until the From: address is known at the end of the header block.
    private var fields: [HeaderField] = []
    private var signers: [DKIMSigner] = []
    private var fromDomain: String?
    private var problems: [String] = []
    private var headerDone = false

    public init(keys: DKIMSigningKeys) {
        self.keys = keys
    }

    public mutating func header(_ field: HeaderField) {
        guard !headerDone else { return }
        fields.append(field)
    }

    /// Picks the keys by the From: address (RFC 6376 §5.1 leaves the SDID to the signer; DMARC
    /// passes when it aligns with the author's domain) and feeds them the header block.
    public mutating func endOfHeaders() {
        guard !headerDone else { return }
        headerDone = true
        defer { fields = [] }
        let froms = fields.filter { $0.hasName("From") }
        guard froms.count == 1, let mailboxes = try? MailboxListParser.parseMailboxList(froms[0].unfoldedValue),
            mailboxes.count == 1, let author = mailboxes.first else {
            problems.append("no single From: address")
            return
        }
        fromDomain = author.domain.lowercased()
        for key in keys.keys(localPart: author.localPart, domain: author.domain) {
            switch key.key {
            case .success(let privateKey):
                var signer = DKIMSigner(identity: .init(domain: key.domain, selector: key.selector, key: privateKey,
                                                        headerCanonicalization: keys.headerCanonicalization,
                                                        bodyCanonicalization: keys.bodyCanonicalization))
                for field in fields { signer.header(field) }
                signers.append(signer)
            case .failure(let error):
                problems.append("key \(key.selector)._domainkey.\(key.domain) unusable: \(error)")
            }
        }
    }

    public mutating func body<Bytes: Collection<UInt8>>(_ chunk: Bytes) {
        endOfHeaders()
        for index in signers.indices { signers[index].body(chunk) }
    }

    /// The signatures for the message fed, made at `time`.
    public mutating func finish(at time: Date) -> Outcome {
        endOfHeaders()
        var outcome = Outcome(fields: [], fromDomain: fromDomain, signed: [], problems: problems)
        for signer in signers {
            let identity = signer.identity
            do {
                outcome.fields.append(try signer.signatureField(at: time))
                outcome.signed.append("\(identity.key.keyType) d=\(identity.domain) s=\(identity.selector)")
            } catch {
                outcome.problems.append("signing as \(identity.selector)._domainkey.\(identity.domain) failed: \(error)")
            }
        }
        return outcome
    }

    /// `message` (CRLF line ends) with the signatures its From: address calls for on top.
    public static func sign(_ message: [UInt8], keys: DKIMSigningKeys, at time: Date) -> (message: [UInt8], outcome: Outcome) {
        var signer = DKIMMessageSigner(keys: keys)
        guard let (fields, bodyOffset) = try? MessageHeaderParser.parse(message) else {
            return (message, Outcome(fields: [], fromDomain: nil, signed: [], problems: ["the header does not parse"]))
        }
        for field in fields { signer.header(field) }
        signer.body(message[bodyOffset...])
        let outcome = signer.finish(at: time)
        let top = outcome.fields.flatMap { Array($0.name.utf8) + [MessageByte.colon] + $0.rawValue + [MessageByte.cr, MessageByte.lf] }
        return (top + message, outcome)
    }
}
