import Foundation

/// Other projects' DKIM verifiers, run offline on a message with the key records given:
/// dkimpy (Debian's python3-dkim, keys from a `dnsfunc`) and OpenDKIM (`opendkim -t` in test
/// mode, keys from a `TestPublicKeys` file). Both are given every signature of a message: a
/// dual rsa + ed25519 signature is two.
public enum DKIMTestVerifiers {
    /// Verifies each DKIM-Signature of the message on stdin; argv[1] is a JSON object of key
    /// names to TXT texts. Prints "pass" or "fail" for each, one a line.
    private static let dkimpyScript = """
        import sys, json
        sys.modules["dns"] = None
        import dkim
        records = json.loads(sys.argv[1])
        def dnsfunc(name, timeout=5):
            return records.get(name.decode().rstrip("."), "").encode()
        message = sys.stdin.buffer.read()
        verifier = dkim.DKIM(message)
        count = sum(1 for name, _ in verifier.headers if name.lower() == b"dkim-signature")
        for index in range(count):
            print("pass" if verifier.verify(idx=index, dnsfunc=dnsfunc) else "fail")
        """

    /// True when the message has a signature and dkimpy finds every one valid.
    public static func dkimpy(_ message: [UInt8], records: [String: String]) throws -> Bool {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: records), as: UTF8.self)
        let output = try TestProgram.run([DKIMTestSigner.python, "-c", dkimpyScript, json], input: message)
        let verdicts = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline)
        return !verdicts.isEmpty && verdicts.allSatisfy { $0 == "pass" }
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

    /// OpenDKIM's report on each signature of the message in turn, top first. `opendkim -t`
    /// reports one signature of a message only, so each is shown to it in a copy of the message
    /// without the other DKIM-Signature fields, which no signature covers (dmarcd's `h=` lists
    /// none).
    public static func opendkimEachSignature(_ message: [UInt8], records: [String: String]) throws -> [String] {
        let text = String(decoding: message, as: UTF8.self)
        let end = text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex
        var fields: [String] = []
        for line in text[..<end].components(separatedBy: "\r\n") {
            if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1] += "\r\n" + line
            } else {
                fields.append(line)
            }
        }
        let signatures = fields.indices.filter { fields[$0].lowercased().hasPrefix("dkim-signature:") }
        return try signatures.map { kept in
            let header = fields.indices.filter { $0 == kept || !signatures.contains($0) }.map { fields[$0] }
            return try opendkim(Array((header.joined(separator: "\r\n") + text[end...]).utf8), records: records)
        }
    }
}
