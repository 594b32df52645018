/// A Domain Owner Assessment Policy (RFC 9989 §3.2.8), the value of the `p`, `sp` and `np`
/// tags, and also the handling dmarcd asks the MTA for (the disposition).
public enum DMARCPolicy: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// "The Domain Owner offers no expression of preference."
    case none
    /// "The Domain Owner considers such mail to be suspicious."
    case quarantine
    /// "The Domain Owner considers all such failures to be a clear indication that the use of
    /// the domain name is not valid."
    case reject

    /// The policy one level below this one, as RFC 9989 §4.7 (`t=y`) and RFC 7489 §6.6.4
    /// (messages left out by `pct`) apply it: reject becomes quarantine, quarantine becomes none.
    public var oneLevelLower: DMARCPolicy {
        switch self {
        case .none, .quarantine: .none
        case .reject: .quarantine
        }
    }

    /// Orders policies by strictness, so the strictest of several is their maximum
    /// (RFC 9989 §11.5: "apply the most strict policy selected among the checks that fail").
    public static func < (lhs: DMARCPolicy, rhs: DMARCPolicy) -> Bool {
        lhs.strictness < rhs.strictness
    }

    private var strictness: Int {
        switch self {
        case .none: 0
        case .quarantine: 1
        case .reject: 2
        }
    }

    public var description: String { rawValue }
}
