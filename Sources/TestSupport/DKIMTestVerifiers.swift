import Foundation

/// Other projects' DKIM verifiers, run offline on a message with the key records given:
/// dkimpy (Debian's python3-dkim, keys from a `dnsfunc`) and OpenDKIM (`opendkim -t` in test
/// mode, keys from a `TestPublicKeys` file).
public enum DKIMTestVerifiers {
    /// Verifies the first DKIM-Signature of the message on stdin; argv[1] is a JSON object of
    /// key names to TXT texts. Prints "pass" or "fail".
    private static let dkimpyScript = """
        import sys, json
        sys.modules["dns"] = None
        import dkim
        records = json.loads(sys.argv[1])
        def dnsfunc(name, timeout=5):
            return records.get(name.decode().rstrip("."), "").encode()
        message = sys.stdin.buffer.read()
        print("pass" if dkim.verify(message, dnsfunc=dnsfunc) else "fail")
        """

    /// True when dkimpy finds the message's first signature valid.
    public static func dkimpy(_ message: [UInt8], records: [String: String]) throws -> Bool {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: records), as: UTF8.self)
        let output = try TestProgram.run([DKIMTestSigner.python, "-c", dkimpyScript, json], input: message)
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "pass"
    }

    /// OpenDKIM's report on each signature of the message, e.g. `verification (s=sel,
    /// d=example.com, 2048-bit key) succeeded`.
    public static func opendkim(_ message: [UInt8], records: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-opendkim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys")
        try Data(records.map { "\($0.key) \($0.value)\n" }.joined().utf8).write(to: keys)
        let configuration = directory.appendingPathComponent("opendkim.conf")
        try Data("Mode v\nSyslog no\nTestPublicKeys \(keys.path)\n".utf8).write(to: configuration)
        let file = directory.appendingPathComponent("message.eml")
        try Data(message).write(to: file)
        let outcome = try TestProgram.outcome(["/usr/sbin/opendkim", "-x", configuration.path, "-t", file.path])
        return outcome.errors + String(decoding: outcome.output, as: UTF8.self)
    }
}
