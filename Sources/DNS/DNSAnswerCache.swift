import NIOConcurrencyHelpers

/// Answers kept for their TTL in the resolver's own memory.
///
/// Mail from one sender asks the same few names again and again: its SPF record, its DKIM key,
/// its DMARC record, and names that do not exist, such as `_dmarc.com` that the DMARC tree walk
/// asks for every sender under `.com` (RFC 9989 §4.10). libunbound answers those from its cache
/// too, but only on its own thread: each query is a hop there through a pipe and a hop back to
/// the waiting task, two thread wake-ups per query. Found here, the answer comes back in the
/// asking task. Answers with records are kept for at most their TTL (RFC 1035 §3.2.1), counted
/// down as libunbound counts it; NXDOMAIN and NODATA for the TTL libunbound took from the
/// zone's SOA (RFC 2308 §5). Failures are not kept; what is not here goes to libunbound.
final class DNSAnswerCache: Sendable {
    private struct Key: Hashable {
        var name: String
        var type: DNSRecordType
    }

    private struct Entry {
        var result: Result<DNSAnswer<DNSRecord>, DNSError>
        var expires: ContinuousClock.Instant
    }

    /// Answers kept at most; when full, the expired ones go, and if none has expired, all.
    let capacity: Int
    private let entries = NIOLockedValueBox<[Key: Entry]>([:])

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// What is kept for `name` and `type` and has not expired: the answer with its remaining
    /// TTL, or the NXDOMAIN or NODATA that came instead.
    func lookup(_ name: String, type: DNSRecordType, now: ContinuousClock.Instant = .now)
        -> Result<DNSAnswer<DNSRecord>, DNSError>? {
        guard let entry = entries.withLockedValue({ $0[Key(name: name, type: type)] }), now < entry.expires else {
            return nil
        }
        return entry.result.map { answer in
            var answer = answer
            answer.ttl = UInt32(clamping: now.duration(to: entry.expires).components.seconds)
            return answer
        }
    }

    /// Keeps an answer for its TTL, or NXDOMAIN or NODATA for `negativeTTL`; keeps nothing for
    /// a TTL of 0 (not to be cached at all) or another failure.
    func keep(_ result: Result<DNSAnswer<DNSRecord>, DNSError>, negativeTTL: UInt32, for name: String,
              type: DNSRecordType, now: ContinuousClock.Instant = .now) {
        let ttl: UInt32
        switch result {
        case .success(let answer): ttl = answer.ttl
        case .failure(.nxdomain), .failure(.noData): ttl = negativeTTL
        case .failure: return
        }
        guard ttl > 0 else { return }
        let entry = Entry(result: result, expires: now + .seconds(Int64(ttl)))
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
