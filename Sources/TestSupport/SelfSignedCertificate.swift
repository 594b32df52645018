import Foundation

/// A throwaway self-signed TLS certificate and key made with `openssl`, valid for `localhost`
/// and 127.0.0.1, in a folder of its own that ``remove()`` deletes.
public final class SelfSignedCertificate: @unchecked Sendable {
    public let directory: URL
    /// The certificate in PEM form; being self-signed, it is also the CA file that trusts it.
    public let certificateFile: String
    /// The unencrypted private key in PEM form.
    public let keyFile: String

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificateFile = directory.appendingPathComponent("cert.pem").path
        keyFile = directory.appendingPathComponent("key.pem").path
        do {
            try TestProgram.run([
                "/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-keyout", keyFile, "-out", certificateFile,
            ])
            // Postfix's smtpd may read them as its unprivileged user; nothing here is secret.
            for file in [certificateFile, keyFile] {
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            }
        } catch {
            remove()
            throw error
        }
    }

    deinit {
        remove()
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
