import Foundation

/// The text of an OpenDMARC history file with records shaped like those Debian's OpenDMARC 1.4.2
/// writes (Tests/Fixtures/opendmarc-history): `records` messages `secondsApart` from `start`
/// (seconds since 1970), from `domains` domains (``SyntheticHistory/domain(_:)``) and `clients`
/// addresses of 192.0.2.0/24, one in `failingEvery` failing DMARC.
public enum SyntheticOpenDMARCHistory {
    public static func text(records: Int, start: Int = 1_795_000_000, secondsApart: Int = 1, domains: Int = 50,
                            clients: Int = 250, failingEvery: Int = 4) -> String {
        var text = ""
        text.reserveCapacity(records * 330)
        for index in 0..<records {
            let domain = SyntheticHistory.domain(index % domains)
            let pass = index % failingEvery != 0
            text += """
                job 4F\(String(index, radix: 16, uppercase: true))
                reporter mx.example.net
                received \(start + index * secondsApart)
                ipaddr 192.0.2.\(index % min(clients, 254) + 1)
                from \(domain)
                mfrom \(domain)
                dkim \(domain) s2026 \(pass ? 0 : 7)
                spf \(pass ? 0 : 7)
                pdomain \(domain)
                policy \(pass ? 15 : 17)
                rua mailto:dmarc@\(domain)
                pct 100
                adkim 114
                aspf 114
                p 113
                sp 0
                align_dkim \(pass ? 4 : 5)
                align_spf \(pass ? 4 : 5)
                arc 7
                arc_policy 2 json:[]
                action 2

                """
        }
        return text
    }
}
