import NIOConcurrencyHelpers

/// The signing keys in force, shared by everything that sends mail signed besides the milter:
/// the aggregate and failure reports. The daemon reads the keys once, at start and at each
/// SIGHUP, gives the same read to the milter, and replaces the keys here as a whole, so that
/// a report never signs with a key the milter no longer uses.
public final class DKIMSigningKeyring: Sendable {
    private let current: NIOLockedValueBox<DKIMSigningKeys>

    public init(_ keys: DKIMSigningKeys = DKIMSigningKeys()) {
        current = NIOLockedValueBox(keys)
    }

    /// The keys the next message is signed with.
    public var keys: DKIMSigningKeys {
        current.withLockedValue { $0 }
    }

    /// Signs every message from now on with `keys`.
    public func replace(with keys: DKIMSigningKeys) {
        current.withLockedValue { $0 = keys }
    }
}
