import Auth
import DNS
import Testing
import TestSupport

/// Random header blocks through SPF, DKIM and DMARC together: every one must end in a verdict
/// whose Authentication-Results field renders and parses back, never a crash or a hang.
struct MessageAuthenticatorFuzzTests {
    static let names = ["From", "from", "FROM", "To", "Subject", "DKIM-Signature", "Authentication-Results",
                        "Received", "Sender", "Reply-To", "X-Junk", "", " ", "Fr om", "From:", "\u{00e9}"]

    static let fragments = [
        "alice@example.com", "<a@b>", "\"quoted, name\" <x@example.org>", "=?utf-8?b?w6k=?= <y@example.net>",
        "group: a@example.com, b@example.net;", "(comment) <c@[192.0.2.1]>", "@", "<>", ",,,", "\"unterminated",
        "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=; b=", "v=1; a=ed25519-sha256; d=; s=; b=!!!",
        "mx.example.test; dmarc=pass", "example.net(.mx.example.test; dmarc=pass", "\r\n\t", "\n ", ";", "=",
        "xn--", "\u{1F600}", "a..b@example.com", "postmaster@xn--nxasmq6b.example",
    ]

    static let resolver: StaticResolver = {
        var resolver = StaticResolver()
        resolver.add(.txt(TXTRecord("v=spf1 ip4:192.0.2.0/24 -all")), at: "example.com")
        resolver.add(.txt(TXTRecord("v=DMARC1; p=reject; sp=quarantine")), at: "_dmarc.example.com")
        resolver.add(.txt(TXTRecord("v=DMARC1; p=none; np=reject")), at: "_dmarc.example.net")
        resolver.add(.txt(TXTRecord("v=DKIM1; k=rsa; p=MIIB")), at: "sel._domainkey.example.com")
        resolver.fail("_dmarc.example.org", with: .timeout)
        return resolver
    }()

    static func randomValue(_ generator: inout SeededGenerator) -> [UInt8] {
        var value: [UInt8] = [UInt8(ascii: " ")]
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            if Bool.random(using: &generator) {
                value += Array(fragments.randomElement(using: &generator)!.utf8)
            } else {
                value += (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
        }
        return value
    }

    @Test(.timeLimit(.minutes(2)))
    func tenThousandRandomHeaderBlocksAllEndInAVerdict() async throws {
        var generator = SeededGenerator(seed: 20261129)
        let settings = MessageAuthenticator.Settings(authservID: "mx.example.test")
        for _ in 0..<10_000 {
            let envelope = MessageAuthenticator.Envelope(
                clientIP: Bool.random(using: &generator) ? IPAddress("192.0.2.\(UInt8.random(in: 0...255, using: &generator))") : nil,
                helo: Self.fragments.randomElement(using: &generator)!,
                mailFrom: Self.fragments.randomElement(using: &generator)!)
            var check = MessageAuthenticator(resolver: Self.resolver, settings: settings, envelope: envelope)
            for _ in 0..<Int.random(in: 0...25, using: &generator) {
                check.header(HeaderField(name: Self.names.randomElement(using: &generator)!,
                                         rawValue: Self.randomValue(&generator)))
            }
            check.endOfHeaders()
            check.body(Self.randomValue(&generator))
            let verdict = await check.finish()
            let field = verdict.authenticationResults.render()
            #expect(field.hasPrefix("mx.example.test; "))
            #expect(throws: Never.self, "\(field)") { try AuthenticationResultsParser.parse(field) }
        }
    }
}
