import DNS

/// The resolver dmarcd asks: does it answer, and does it validate DNSSEC.
struct ResolverCheck {
    let resolver: any DNSResolver
    /// True when the resolver was given a DNSSEC trust anchor (`DNSSECTrustAnchorFile`).
    let validatesDNSSEC: Bool
    /// A name whose TXT records are asked for; any answer, even NXDOMAIN, shows the resolver works.
    let probe: String

    func run() async -> [Finding] {
        var secure = false
        do throws(DNSError) {
            secure = try await resolver.txt(probe).isSecure
        } catch {
            if error.isTemporary {
                return [Finding(.error, "resolver.answers", domain: nil,
                                summary: "the resolver gave no answer for TXT \(probe): \(error)",
                                why: "Every SPF, DKIM and DMARC check of incoming mail ends in temperror.",
                                fix: "Set Nameservers in dmarcd.conf to a resolver that answers, e.g. Nameservers 127.0.0.1")]
            }
        }
        var findings = [Finding(.ok, "resolver.answers", domain: nil, summary: "the resolver answers (TXT \(probe))")]
        if !validatesDNSSEC {
            findings.append(Finding(.warn, "resolver.dnssec", domain: nil, summary: "DNSSEC validation is off",
                                    why: "Forged DNS answers could make forged mail pass SPF, DKIM and DMARC.",
                                    fix: "DNSSECTrustAnchorFile /usr/share/dns/root.key"))
        } else {
            findings.append(Finding(.ok, "resolver.dnssec", domain: nil,
                                    summary: "DNSSEC validation is on" + (secure ? "; \(probe) is signed and validated" : "; \(probe) is not signed")))
        }
        return findings
    }
}
