import DNS
import NIOConcurrencyHelpers

/// The DNS of one SPF conformance scenario: a ``StaticResolver`` holding the scenario's records,
/// plus the failures the suites script that a plain zone cannot express.
///
/// - pyspf's `TIMEOUT` entry makes a name time out for every type not listed before it (its
///   driver stops at the marker), so `spftimeout.example.net` answers TXT and times out for the
///   rest. ``StaticResolver/fail(_:with:)`` fails every type, hence this wrapper.
/// - stalwart's cases name `_dns_error.…` domains that its own runs resolved live and got a
///   failure for; here they answer SERVFAIL.
struct SPFSuiteZone: DNSResolver {
    var zone = StaticResolver()
    /// Names with a TIMEOUT entry, and the types they still answer.
    var timeouts: [String: Set<DNSRecordType>] = [:]
    /// Names whose first label starts with this fail with SERVFAIL.
    var serverFailurePrefix: String?

    func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord> {
        let key = Self.key(name)
        if let answered = timeouts[key], !answered.contains(type) { throw .timeout }
        if let prefix = serverFailurePrefix, key.hasPrefix(prefix) { throw .serverFailure("scripted by the test suite") }
        return try await zone.resolve(name, type: type)
    }

    static func key(_ name: String) -> String {
        (name.hasSuffix(".") ? String(name.dropLast()) : name).lowercased()
    }
}

/// A resolver that does not answer and ignores cancellation until `release()`: the worst a
/// deadline has to handle. Released when the test is over, so that the evaluation it held ends
/// and leaves nothing behind.
final class SilentResolver: DNSResolver, Sendable {
    private struct State {
        var waiting: [UnsafeContinuation<Void, Never>] = []
        var isReleased = false
    }

    private let state = NIOLockedValueBox(State())

    func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord> {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let isReleased = state.withLockedValue { state in
                if !state.isReleased { state.waiting.append(continuation) }
                return state.isReleased
            }
            if isReleased { continuation.resume() }
        }
        throw .timeout
    }

    func release() {
        let waiting = state.withLockedValue { state in
            state.isReleased = true
            defer { state.waiting = [] }
            return state.waiting
        }
        waiting.forEach { $0.resume() }
    }
}
