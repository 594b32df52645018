/// A DKIM key record as published in DNS (RFC 6376 §3.6.1).
public struct DKIMKeyRecord: Sendable, Hashable {
    /// `k=`: the kind of key in `p=` (RFC 6376 §3.6.1, RFC 8463 §4.2).
    public enum KeyType: String, Sendable, Hashable {
        case rsa
        case ed25519
    }

    /// `k=`, default rsa.
    public var keyType: KeyType
    /// `h=`: hash algorithms the key may be used with, or nil for all.
    public var acceptableHashes: [String]?
    /// `p=` decoded; empty means the key is revoked.
    public var publicKey: [UInt8]
    /// `s=`: service types, default `*`.
    public var serviceTypes: [String]
    /// `t=y`: the domain is testing DKIM.
    public var isTesting: Bool
    /// `t=s`: `i=` must not be in a subdomain of `d=`.
    public var forbidsSubdomainIdentity: Bool
    /// `n=`: notes for a person.
    public var notes: String?

    /// Parses the text of one TXT record (its character-strings joined, RFC 6376 §3.6.2.2).
    public init(parsing text: [UInt8], limits: DKIMVerifier.Limits = DKIMVerifier.Limits()) throws(DKIMFailure) {
        guard text.count <= limits.keyRecordBytes else {
            throw .keySyntax("record of \(text.count) bytes exceeds \(limits.keyRecordBytes)")
        }
        let tags: DKIMTagList
        do {
            tags = try DKIMTagList(parsing: text, maximumTags: limits.tagsPerList)
        } catch {
            throw .keySyntax(error.reason)
        }
        // §3.6.1 v=: "If specified, this tag MUST be set to "DKIM1" ... This tag MUST be the
        // first tag in the record. Records beginning with a "v=" tag with any other value MUST
        // be discarded."
        if let version = tags["v"] {
            guard version.text == "DKIM1" else { throw .keySyntax("v=\(version.text) is not DKIM1") }
            guard tags.tags.first?.name == "v" else { throw .keySyntax("v= is not the first tag") }
        }
        // §3.6.1 k=: "Unrecognized key types MUST be ignored", and so must the record.
        let keyTypeName = tags["k"]?.text ?? KeyType.rsa.rawValue
        guard let keyType = KeyType(rawValue: keyTypeName) else {
            throw .keySyntax("unknown key type k=\(keyTypeName)")
        }
        self.keyType = keyType
        // §3.6.1 p=: REQUIRED; "An empty value means that this public key has been revoked."
        guard let encodedKey = tags["p"] else { throw .keySyntax("no p= tag") }
        guard let publicKey = DKIMBase64.decode(encodedKey.value) else { throw .keySyntax("p= is not base64") }
        self.publicKey = publicKey
        acceptableHashes = tags["h"].map { Self.list($0.value) }
        serviceTypes = tags["s"].map { Self.list($0.value) } ?? ["*"]
        let flags = tags["t"].map { Self.list($0.value) } ?? []
        isTesting = flags.contains("y")
        forbidsSubdomainIdentity = flags.contains("s")
        notes = tags["n"]?.text
    }

    /// True when the record may sign mail: §3.6.1 s= "Verifiers for a given service type MUST
    /// ignore this record if the appropriate type is not listed."
    public var isForEmail: Bool {
        serviceTypes.contains("*") || serviceTypes.contains("email")
    }

    /// A colon-separated list with white space around the items removed (§3.6.1 h=, s=, t=).
    private static func list(_ value: [UInt8]) -> [String] {
        value.split(separator: MessageByte.colon, omittingEmptySubsequences: false).map {
            String(decoding: $0.trimmingFWS(), as: UTF8.self)
        }
    }
}
