import ArgumentParser
import Auth
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes a signing key: writes the private key where only dmarcd reads it, and prints the DNS
/// record to publish and the `Sign` line to add.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a DKIM signing key; print its DNS TXT record and the Sign line for dmarcd.conf.")

    @Argument(help: "The From: domain the key signs for (d=).")
    var domain: String

    @Argument(help: "The selector (s=): the key is published at SELECTOR._domainkey.DOMAIN.")
    var selector: String

    @Flag(help: "Make an Ed25519 key (RFC 8463) instead of RSA.")
    var ed25519 = false

    @Option(help: "RSA key size, 1024 to 4096.")
    var bits: Int = 2048

    @Option(help: "Where the key file goes.")
    var directory: String = "/etc/dmarcd/keys"

    /// The account the daemon runs as, which must be able to read the key.
    static let owner = "dmarcd"

    func run() throws {
        guard domain.isHostName, selector.isHostName else {
            throw ValidationError("\"\(domain)\" and \"\(selector)\" must be a domain name and a selector")
        }
        let key: DKIMPrivateKey
        do {
            key = try DKIMPrivateKey.generate(ed25519: ed25519, bits: bits)
        } catch {
            throw ValidationError("\(error)")
        }
        let path = try Self.write(key, to: URL(fileURLWithPath: directory)
            .appendingPathComponent("\(domain.lowercased()).\(selector).pem").path)
        print(Self.instructions(domain: domain.lowercased(), selector: selector, key: key, path: path))
    }

    /// Writes the PEM with mode 0600 and no chance of another reader in between, refusing to
    /// replace a key that may already be published; as root, hands the file to the dmarcd user.
    static func write(_ key: DKIMPrivateKey, to path: String) throws -> String {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw ValidationError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(key.pemRepresentation.utf8))
        if !key.pemRepresentation.hasSuffix("\n") { try handle.write(contentsOf: Data("\n".utf8)) }
        if geteuid() == 0, let account = getpwnam(owner) {
            guard fchown(descriptor, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw ValidationError("cannot give \(path) to \(owner): \(String(cString: strerror(errno)))")
            }
        }
        try handle.close()
        return path
    }

    /// What to publish and what to configure, for a key written to `path`.
    static func instructions(domain: String, selector: String, key: DKIMPrivateKey, path: String) -> String {
        """
        Wrote \(key.keyType == "rsa" ? "RSA-\(key.bits)" : "Ed25519") key \(path)

        Publish this TXT record in the \(domain) zone:

        \(zoneLine(name: "\(selector)._domainkey.\(domain).", text: key.keyRecord))

        Then add this line to dmarcd.conf and reload dmarcd (systemctl reload dmarcd):

        Sign \(domain) \(selector) \(path)
        """
    }

    /// A master-file TXT record holding `text` as character-strings of at most 255 bytes
    /// (RFC 1035 §3.3.14), which DKIM verifiers join again (RFC 6376 §3.6.2.2).
    static func zoneLine(name: String, text: String) -> String {
        let bytes = Array(text.utf8)
        let strings = stride(from: 0, to: bytes.count, by: 255).map {
            "\"" + String(decoding: bytes[$0..<min($0 + 255, bytes.count)], as: UTF8.self) + "\""
        }
        return strings.count == 1 ? "\(name) IN TXT \(strings[0])"
            : "\(name) IN TXT ( " + strings.joined(separator: "\n\t") + " )"
    }
}
