/// The Chain Validation Status of a message's Authenticated Received Chain (RFC 8617 §4.4),
/// with what a later decision needs from each ARC Set.
///
/// A message whose chain does not pass is treated as one without a chain (RFC 8617 §5.2:
/// "MUST be treated the same as a message with no Authenticated Received Chain"); ``sets`` is
/// still filled in as far as the chain could be read, for logs and reports.
public struct ARCResult: Sendable, Hashable, CustomStringConvertible {
    /// The chain validation status names of RFC 8617 §4.4.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// The message has no ARC header fields.
        case none
        /// Every ARC-Seal and the newest ARC-Message-Signature verified (§5.2 step 7).
        case pass
        /// The chain is malformed, a signature did not verify, or a key could not be fetched
        /// (RFC 8617 §5.2.1: DNS failures are permanent too).
        case fail
    }

    /// What one ARC Set (RFC 8617 §4.2) says, read from its three header fields.
    public struct ARCSet: Sendable, Hashable {
        /// The `i=` shared by the set's fields, 1 for the oldest.
        public var instance: Int
        /// The ARC-Seal's `d=`: the ADMD that sealed this set (RFC 8617 §4.1.3).
        public var sealerDomain: String
        /// The ARC-Message-Signature's `d=`.
        public var signerDomain: String
        /// The ARC-Authentication-Results payload after `i=N;`, unfolded: the authserv-id and
        /// the results the sealer saw when the message reached it (RFC 8617 §4.1.1).
        public var authenticationResults: String

        /// A set's summary from its instance, the two signing domains and the AAR payload.
        public init(instance: Int, sealerDomain: String, signerDomain: String, authenticationResults: String) {
            self.instance = instance
            self.sealerDomain = sealerDomain
            self.signerDomain = signerDomain
            self.authenticationResults = authenticationResults
        }
    }

    /// The chain validation status.
    public var status: Status
    /// Why the chain did not pass, or what passed; for a person.
    public var reason: String
    /// RFC 8617 §5.2 step 5: the oldest instance whose ARC-Message-Signature still verifies,
    /// or 0 when all of them do. Known only for a chain that passed.
    public var oldestPass: Int?
    /// The ARC Sets, oldest first; empty when the chain could not be read.
    public var sets: [ARCSet]

    /// A result from its parts; ``ARCValidator`` makes them.
    public init(status: Status, reason: String, oldestPass: Int? = nil, sets: [ARCSet] = []) {
        self.status = status
        self.reason = reason
        self.oldestPass = oldestPass
        self.sets = sets
    }

    /// The highest instance, N in RFC 8617 §5.2; 0 without sets.
    public var instanceCount: Int { sets.last?.instance ?? 0 }

    /// The status, the number of sets and the reason, for a log line.
    public var description: String {
        "arc=\(status.rawValue) i=\(instanceCount): \(reason)"
    }
}
