import Auth
import Foundation
import Store

/// A made-up history shaped like a small site's: a few busy sending domains and many quiet ones,
/// each sending from its own addresses, with some spoofed mail from elsewhere. The same seed
/// gives the same messages, so tests can count on them.
public struct SyntheticHistory {
    public var domainCount: Int
    /// Messages spread evenly over this many days before `end`.
    public var days: Int
    public var end: Date
    private var random: SeededGenerator

    public init(domains: Int = 50, days: Int = 30, end: Date = Date(), seed: UInt64 = 9989) {
        domainCount = max(1, domains)
        self.days = max(1, days)
        self.end = end
        random = SeededGenerator(seed: seed)
    }

    /// The From domain of sender number `index`.
    public static func domain(_ index: Int) -> String { "sender\(index).example" }

    /// The next `count` messages, in no particular time order.
    public mutating func records(_ count: Int) -> [HistoryRecord] {
        (0..<count).map { _ in record() }
    }

    /// Writes `count` messages to `store` in transactions of a few thousand.
    public mutating func write(_ count: Int, to store: HistoryStore) throws {
        var left = count
        while left > 0 {
            let batch = min(left, 5_000)
            try store.record(records(batch))
            left -= batch
        }
    }

    public mutating func record() -> HistoryRecord {
        // Squaring a uniform number favours small indexes: sender0 is the busiest.
        let fraction = Double.random(in: 0..<1, using: &random)
        let index = min(domainCount - 1, Int(fraction * fraction * Double(domainCount)))
        let domain = Self.domain(index)
        let time = end.addingTimeInterval(-Double.random(in: 0..<Double(days) * 86_400, using: &random))
        let roll = Int.random(in: 0..<100, using: &random)
        let result: DMARCResult = switch roll {
        case 0..<84: .pass
        case 84..<93: .fail
        case 93..<97: .none
        case 97..<99: .temperror
        default: .permerror
        }
        // Own mail comes from the domain's two addresses (IPv4 and IPv6); failures from anywhere
        // in 203.0.113.0/24. Only written to a file, never contacted.
        let clientIP = result == .fail
            ? "203.0.113.\(Int.random(in: 1...254, using: &random))"
            : (Bool.random(using: &random) ? "198.51.\(index / 250 % 256).\(index % 250 + 1)"
                                            : "2001:db8::\(String(index, radix: 16))")
        let hasPolicy = result != .none
        let policy = hasPolicy ? HistoryRecord.PublishedPolicy(
            p: index % 3 == 0 ? .reject : (index % 3 == 1 ? .quarantine : DMARCPolicy.none), sp: nil, np: nil,
            adkim: .relaxed, aspf: .relaxed, isTesting: false,
            aggregateReportURIs: ["mailto:dmarc@\(domain)"], discoveryMethod: .treewalk) : nil
        let spfPass = result == .pass && roll % 5 != 0
        let dkimPass = result == .pass && (roll % 5 == 0 || roll % 3 != 0)
        let disposition: MessageEvaluation.Disposition = switch result {
        case .pass: .pass
        case .fail: policy?.p == .reject ? .reject : (policy?.p == .quarantine ? .quarantine : .none)
        default: .none
        }
        let number = Int.random(in: 1...99_999, using: &random)
        return HistoryRecord(
            time: time, queueID: String(format: "4F%07X", number * 7 % 0xFFFFFFF), clientIP: clientIP,
            helo: "mail.\(domain)", mailFromDomain: domain, recipientDomains: ["example.net"],
            headerFromDomain: domain, policyDomain: hasPolicy ? domain : nil, policy: policy,
            spf: .init(domain: domain, scope: .mfrom, result: spfPass ? "pass" : "fail",
                       humanResult: spfPass ? "matched ip4:198.51.0.0/16" : "no mechanism matched"),
            dkim: [.init(domain: domain, selector: "s2026", result: dkimPass ? "pass" : "fail", keyBits: 2048,
                         humanResult: dkimPass ? nil : "the body hash does not match")],
            dmarcResult: result, spfAligned: spfPass, dkimAligned: dkimPass,
            requestedDisposition: result == .fail ? (policy?.p ?? .none) : .none, disposition: disposition,
            fromField: "Sender \(index) <news@\(domain)>", subject: "Newsletter \(number)",
            explanation: "DMARC \(result.rawValue) for \(domain): made-up message \(number).")
    }
}
