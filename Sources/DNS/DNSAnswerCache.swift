import NIOConcurrencyHelpers

/// Answers kept for their TTL in the resolver's own memory.
///
/// Mail from one sender asks the same few names again and again: its SPF record, its DKIM key,
/// its DMARC record. libunbound answers those from its cache too, but only on its own thread:
/// each query is a hop there through a pipe and a hop back to the waiting task, two thread
/// wake-ups per query, three or more queries per message. Found here, the answer comes back
/// in the asking task. Only answers with records are kept, for at most their TTL (RFC 1035
/// §3.2.1), counted down as libunbound counts it; what is not here goes to libunbound as before.
final class DNSAnswerCache: Sendable {
    private struct Key: Hashable {
        var name: String
        var type: DNSRecordType
    }

    private struct Entry {
        var answer: DNSAnswer<DNSRecord>
        var expires: ContinuousClock.Instant
    }

    /// Answers kept at most; when full, the expired ones go, and if none has expired, all.
    let capacity: Int
    private let entries = NIOLockedValueBox<[Key: Entry]>([:])

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The answer for `name` and `type` with its remaining TTL, if one is kept and not expired.
    func answer(_ name: String, type: DNSRecordType, now: ContinuousClock.Instant = .now) -> DNSAnswer<DNSRecord>? {
        guard let entry = entries.withLockedValue({ $0[Key(name: name, type: type)] }), now < entry.expires else {
            return nil
        }
        var answer = entry.answer
        answer.ttl = UInt32(clamping: now.duration(to: entry.expires).components.seconds)
        return answer
    }

    /// Keeps `answer` for its TTL; an answer with TTL 0 is not to be cached at all.
    func keep(_ answer: DNSAnswer<DNSRecord>, for name: String, type: DNSRecordType, now: ContinuousClock.Instant = .now) {
        guard answer.ttl > 0 else { return }
        let entry = Entry(answer: answer, expires: now + .seconds(Int64(answer.ttl)))
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries = entries.filter { now < $0.value.expires }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[Key(name: name, type: type)] = entry
        }
    }

    /// Answers kept, expired or not.
    var count: Int {
        entries.withLockedValue { $0.count }
    }
}
