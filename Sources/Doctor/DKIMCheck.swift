import Auth
import DNS
import Foundation

/// One published DKIM key (RFC 6376 §3.6.1): is it there, does it parse, is it revoked, in
/// test mode, large enough (RFC 8301 §3.2), and the key the site signs with.
struct DKIMCheck {
    let resolver: any DNSResolver
    let key: DKIMSelector

    func run() async -> [Finding] {
        let name = key.recordName
        let texts: [[UInt8]]
        do throws(DNSError) {
            texts = try await resolver.txt(name).records.map(\.bytes)
        } catch {
            if error.isTemporary {
                return [finding(.error, "dkim.dns", "the key record at \(name) could not be read: \(error)",
                                why: "Receivers get temperror for every signature with s=\(key.selector) (RFC 6376 §6.1.2).")]
            }
            texts = []
        }
        guard !texts.isEmpty else {
            return [finding(.error, "dkim.key", "no key record at \(name)",
                            why: "Every signature with d=\(key.domain) s=\(key.selector) fails with \"no key for signature\" (RFC 6376 §6.1.2 step 3).",
                            fix: publish())]
        }
        guard texts.count == 1 else {
            return [finding(.warn, "dkim.key", "\(texts.count) TXT records at \(name)",
                            why: "Receivers may try only one of them (RFC 6376 §6.1.2 step 4).",
                            fix: "Keep one key record at \(name).")]
        }
        let record: DKIMKeyRecord
        do {
            record = try DKIMKeyRecord(parsing: texts[0])
        } catch {
            return [finding(.error, "dkim.syntax", "the key record at \(name) does not parse: \(error)",
                            why: "Receivers cannot verify signatures with it (RFC 6376 §6.1.2 step 5).",
                            fix: publish())]
        }
        // RFC 6376 §3.6.1 p=: "An empty value means that this public key has been revoked."
        guard !record.publicKey.isEmpty else {
            return [finding(.error, "dkim.revoked", "the key at \(name) is revoked (empty p=)",
                            why: "Every signature with s=\(key.selector) fails; sign with a selector whose key is published (RFC 6376 §3.6.1).",
                            fix: key.publicKey == nil
                                ? "Sign with another selector, or publish a new key at \(name)." : publish())]
        }
        var findings: [Finding] = []
        findings.append(size(record))
        if !record.isForEmail {
            findings.append(finding(.error, "dkim.service", "s=\(record.serviceTypes.joined(separator: ":")) does not include email",
                                    why: "Receivers ignore the record for mail (RFC 6376 §3.6.1 s=).",
                                    fix: publish(from: record)))
        }
        if record.isTesting {
            findings.append(finding(.warn, "dkim.testing", "t=y: the key is in test mode",
                                    why: "Receivers may treat failed signatures as unsigned mail (RFC 6376 §3.6.1 t=).",
                                    fix: publish(from: record)))
        }
        if let publicKey = key.publicKey {
            if record.publishes(publicKey) {
                findings.append(finding(.ok, "dkim.match", "the published key is the one the site signs with"))
            } else {
                findings.append(finding(.error, "dkim.match", "the published key is not the one the site signs with",
                                        why: "Every signature fails with \"signature did not verify\" (RFC 6376 §6.1.3).",
                                        fix: publish()))
            }
        }
        return findings
    }

    /// RFC 8301 §3.2: verifiers must not accept RSA keys under 1024 bits; 2048 is the size
    /// signers should use.
    private func size(_ record: DKIMKeyRecord) -> Finding {
        guard let bits = record.keyBits else {
            return finding(.error, "dkim.syntax", "p= of \(key.recordName) is not a \(record.keyType.rawValue) public key",
                           why: "Receivers cannot verify signatures with it (RFC 6376 §3.6.1).", fix: publish())
        }
        let kind = record.keyType == .ed25519 ? "Ed25519 key" : "\(bits)-bit RSA key"
        switch (record.keyType, bits) {
        case (.rsa, ..<1024):
            return finding(.error, "dkim.size", "\(kind) at \(key.recordName)",
                           why: "Receivers must not accept signatures with RSA keys under 1024 bits (RFC 8301 §3.2).",
                           fix: "Create a 2048-bit key and publish it under a new selector.")
        case (.rsa, ..<2048):
            return finding(.warn, "dkim.size", "\(kind) at \(key.recordName)",
                           why: "Signers SHOULD use RSA keys of at least 2048 bits; 1024 is the least that verifiers must still accept (RFC 8301 §3.2).",
                           fix: "Create a 2048-bit key and publish it under a new selector.")
        default:
            return finding(.ok, "dkim.size", "\(kind) at \(key.recordName)")
        }
    }

    /// The record to publish: the site's own key when known, else the published one without t=y.
    private func publish(from record: DKIMKeyRecord? = nil) -> String {
        if let publicKey = key.publicKey {
            let type = publicKey.count == 32 ? "ed25519" : "rsa"
            return TXTRecordLine.line(name: key.recordName,
                                      text: "v=DKIM1; k=\(type); p=\(Data(publicKey).base64EncodedString())")
        }
        if let record {
            return TXTRecordLine.line(name: key.recordName,
                                      text: "v=DKIM1; k=\(record.keyType.rawValue); p=\(Data(record.publicKey).base64EncodedString())")
        }
        return "Publish the public key of the selector's private key at \(key.recordName): v=DKIM1; k=rsa; p=<base64 of the DER public key>"
    }

    private func finding(_ level: Finding.Level, _ check: String, _ summary: String, why: String? = nil,
                         fix: String? = nil) -> Finding {
        Finding(level, check, domain: key.domain, summary: summary, why: why, fix: fix)
    }
}
