import NIOConcurrencyHelpers

/// What was made from a DNS record's text, kept for the next message that brings the same text.
///
/// A sender publishes the same DKIM key and DMARC record for months, and the resolver's answer
/// cache hands every message the same text; parsing it again cost a percent or two of a
/// message's CPU each time. The key holds everything the value depends on, the record's text
/// first, so a record that changes in DNS is a new entry and a value only ever serves the text
/// it was made from. Shared by every message; when full, every entry goes (a site sees far
/// fewer senders' records than the capacity).
final class RecordCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Entries kept at most.
    let capacity: Int
    private let entries = NIOLockedValueBox<[Key: Value]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value kept for `key`, or the one `make` gives, which is kept from now on.
    func value(for key: Key, making make: () -> Value) -> Value {
        if let kept = entries.withLockedValue({ $0[key] }) { return kept }
        let value = make()
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }

    /// Entries kept.
    var count: Int {
        entries.withLockedValue { $0.count }
    }
}
