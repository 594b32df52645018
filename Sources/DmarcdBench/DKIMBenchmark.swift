import Auth
import Crypto
import DNS
import Foundation
import _CryptoExtras

/// DKIM figures: whole-message verifications per second for a 4 KB message (RSA-2048 and
/// Ed25519), signatures per second with the same keys and message, and body hashing throughput
/// for a 1 MB body; dkimpy verifying the same messages alongside when Debian's python3-dkim is
/// installed.
enum DKIMBenchmark {
    static func run() async {
        print("DKIM: 4 KB message, c=simple/simple, key from an in-memory zone, one core")
        for signer in [Signer.rsa2048(), Signer.ed25519()] {
            let message = SignedMessage(signer: signer)
            let rate = await verificationsPerSecond(message)
            Report.figure("DKIM \(signer.name) verifications/s", rate)
            if let peer = dkimpyVerificationsPerSecond(message) {
                Report.figure("dkimpy \(signer.name) verifications/s", peer)
                Report.ratio("DKIM \(signer.name) dmarcd / dkimpy", rate / peer)
            } else {
                print("dkimpy not run: /usr/bin/python3 cannot import dkim (Debian package python3-dkim)")
            }
        }
        print("DKIM signing: the same 4 KB message, c=relaxed/relaxed, fed as the milter feeds it, one core")
        for ed25519 in [false, true] {
            // Key generation cannot fail for a supported size; a failure is a broken crypto library.
            let key = try! DKIMPrivateKey.generate(ed25519: ed25519, bits: 2048)
            Report.figure("DKIM \(ed25519 ? "ed25519" : "rsa-2048") signatures/s",
                          signaturesPerSecond(key, message: SignedMessage(signer: .ed25519())))
        }
        for canonicalization in ["simple", "relaxed"] {
            Report.figure("DKIM body hash, 1 MB body in 64 KiB chunks, \(canonicalization)",
                          await bodyMegabytesPerSecond(canonicalization), unit: "MB/s")
        }
    }

    // MARK: Measurements

    /// A fresh verifier per message, fed as a milter feeds it, until two seconds have passed.
    static func verificationsPerSecond(_ message: SignedMessage) async -> Double {
        var resolver = StaticResolver()
        resolver.add(.txt(TXTRecord(strings: message.keyRecord.chunked255())), at: "bench._domainkey.example.com")
        let fieldBytes = message.fields.map { (name: $0.name, value: Array($0.value.utf8)) }
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while clock.now - start < .seconds(2) {
            var verifier = DKIMVerifier(resolver: resolver)
            for field in fieldBytes {
                verifier.header(HeaderField(milterName: field.name, value: field.value, leadingSpaceStripped: false))
            }
            verifier.endOfHeaders()
            verifier.body(message.body)
            let results = await verifier.finish()
            precondition(results.map(\.status) == [.pass], "benchmark message did not verify: \(results)")
            count += 1
        }
        return Double(count) / (clock.now - start).seconds
    }

    /// A fresh signer per message, given the header fields and body of `message` without its
    /// signature, until two seconds have passed.
    static func signaturesPerSecond(_ key: DKIMPrivateKey, message: SignedMessage) -> Double {
        let fields = message.fields.dropFirst().map { HeaderField(name: $0.name, value: $0.value) }
        let identity = DKIMSigner.Identity(domain: "example.com", selector: "bench", key: key)
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while clock.now - start < .seconds(2) {
            var signer = DKIMSigner(identity: identity)
            for field in fields { signer.header(field) }
            signer.body(message.body)
            // Signing cannot fail with a key that loaded; a failure is a broken crypto library.
            precondition((try? signer.signatureField(at: Date())) != nil, "signing failed")
            count += 1
        }
        return Double(count) / (clock.now - start).seconds
    }

    /// Time spent in `body(_:)` only, for a signature whose body canonicalization is `name`.
    static func bodyMegabytesPerSecond(_ name: String) async -> Double {
        let line = Array("The quick  brown fox\tjumps over the lazy dog; 0123456789 abcdefghij  \r\n".utf8)
        let body = Array(repeating: line, count: (1 << 20) / line.count).flatMap { $0 }
        let signature = HeaderField(name: "DKIM-Signature", value: " v=1; a=rsa-sha256; c=relaxed/\(name); d=example.com; "
            + "s=bench; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA")
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        var bytes = 0
        while elapsed < .seconds(2) {
            var verifier = DKIMVerifier(resolver: StaticResolver())
            verifier.header(signature)
            verifier.header(HeaderField(name: "From", value: " a@example.com"))
            verifier.endOfHeaders()
            let start = clock.now
            for offset in stride(from: 0, to: body.count, by: 65536) {
                verifier.body(body[offset..<min(offset + 65536, body.count)])
            }
            elapsed += clock.now - start
            bytes += body.count
            _ = await verifier.finish()
        }
        return Double(bytes) / 1_000_000 / elapsed.seconds
    }

    /// dkimpy verifying the same message with the key handed over in memory, or nil when
    /// python3-dkim is not installed.
    static func dkimpyVerificationsPerSecond(_ message: SignedMessage) -> Double? {
        let script = """
            import sys, time, dkim
            message = open(sys.argv[1], "rb").read()
            record = open(sys.argv[2], "rb").read()
            def lookup(name, timeout=5):
                return record
            assert dkim.verify(message, dnsfunc=lookup)
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < 2:
                dkim.verify(message, dnsfunc=lookup)
                count += 1
            print(count / (time.perf_counter() - start))
            """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let messageFile = directory.appendingPathComponent("message.eml")
        let recordFile = directory.appendingPathComponent("record.txt")
        let outputFile = directory.appendingPathComponent("output.txt")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(message.bytes).write(to: messageFile)
            try Data(message.keyRecord.utf8).write(to: recordFile)
            try Data().write(to: outputFile)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, messageFile.path, recordFile.path]
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            return Double(try String(contentsOf: outputFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return nil
        }
    }

    // MARK: The message

    /// A signing key and what DNS publishes for it.
    struct Signer {
        var name: String
        var algorithm: String
        var keyRecord: String
        var sign: ([UInt8]) -> [UInt8]

        static func rsa2048() -> Signer {
            // Key generation cannot fail for a supported size; a failure is a broken crypto library.
            let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
            return Signer(name: "rsa-2048", algorithm: "rsa-sha256",
                          keyRecord: "v=DKIM1; k=rsa; p=" + key.publicKey.derRepresentation.base64EncodedString()) { data in
                // RFC 6376 §3.3.2: RSASSA-PKCS1-v1_5 over SHA-256.
                Array(try! key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation)
            }
        }

        static func ed25519() -> Signer {
            let key = Curve25519.Signing.PrivateKey()
            return Signer(name: "ed25519", algorithm: "ed25519-sha256",
                          keyRecord: "v=DKIM1; k=ed25519; p=" + key.publicKey.rawRepresentation.base64EncodedString()) { data in
                // RFC 8463 §3: Ed25519 over the SHA-256 digest.
                Array(try! key.signature(for: Array(SHA256.hash(data: data))))
            }
        }
    }

    /// A 4 KB message signed with c=simple/simple, which needs no canonicalization code to
    /// produce: the header fields are hashed as they are, and the body already ends in one CRLF
    /// (RFC 6376 §3.4.1, §3.4.3).
    struct SignedMessage {
        var fields: [(name: String, value: String)]
        var body: [UInt8]
        var keyRecord: String

        init(signer: Signer) {
            let headers: [(name: String, value: String)] = [
                ("From", " Alice Example <alice@example.com>"),
                ("To", " Bob Example <bob@example.org>"),
                ("Subject", " Quarterly figures and the plan for next year"),
                ("Date", " Sun, 29 Nov 2026 04:46:56 +0000"),
                ("Message-ID", " <20261129044656.012407@mail.example.com>"),
                ("MIME-Version", " 1.0"),
                ("Content-Type", " text/plain; charset=utf-8"),
            ]
            let paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\r\n"
                + "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.\r\n\r\n"
            // Without the last empty line, so that the body ends in exactly one CRLF.
            body = Array(String(repeating: paragraph, count: 19).utf8.dropLast(2))
            let bodyHash = Data(SHA256.hash(data: body)).base64EncodedString()
            let unsigned = " v=1; a=\(signer.algorithm); c=simple/simple; d=example.com; s=bench;\r\n\t"
                + "h=from:to:subject:date:message-id:mime-version:content-type;\r\n\tbh=\(bodyHash);\r\n\tb="
            var signed: [UInt8] = []
            for (name, value) in headers { signed += Array("\(name):\(value)\r\n".utf8) }
            signed += Array("DKIM-Signature:\(unsigned)".utf8)
            let signature = Data(signer.sign(signed)).base64EncodedString()
            fields = [("DKIM-Signature", unsigned + signature)] + headers
            keyRecord = signer.keyRecord
        }

        var bytes: [UInt8] {
            fields.flatMap { Array("\($0.name):\($0.value)\r\n".utf8) } + Array("\r\n".utf8) + body
        }
    }
}

extension String {
    /// The text cut into TXT character-strings of at most 255 octets (RFC 1035 §3.3.14).
    fileprivate func chunked255() -> [[UInt8]] {
        let bytes = Array(utf8)
        return stride(from: 0, to: bytes.count, by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) }
    }
}
