import Foundation
import NIOConcurrencyHelpers
import Synchronization

/// A slow DNS server: a UDP socket on 127.0.0.1 that answers each question `delay` after it
/// first arrived, with the answer of a real server (usually a ``DNSTestServer``). nsd answers
/// at once and cannot be told to wait, and a network namespace with `tc netem` needs root and
/// tools a test run may lack; a forwarder in the test process needs neither.
///
/// A resolver resends a question it has no answer to yet, each time with a new id (and
/// libunbound from a new port), and drops answers to the ids it gave up on. Like a recursive
/// server that is slow to find an answer, this one sends its answer once, `delay` after the
/// question first came, to the latest query for it, so the resolver gets it after `delay`
/// rather than after its resend schedule first waits longer than `delay`.
public final class DelayingDNSForwarder: @unchecked Sendable {
    public let port: UInt16
    /// The server as libunbound names a forwarder: `127.0.0.1@PORT`.
    public var forwarder: String { "127.0.0.1@\(port)" }

    /// The latest query for a question: its id and where it came from.
    private struct Asker: Sendable {
        var id: (UInt8, UInt8)
        var address: sockaddr_storage
        var length: socklen_t
    }

    /// The socket, shared by the receiving thread and the delayed answers; it is closed once
    /// the thread has stopped and no answer is pending, so a late answer never goes out on a
    /// descriptor number that the process has since given to something else.
    private final class Listener: Sendable {
        let socket: Int32
        let stopped = Atomic<Bool>(false)
        let pending = DispatchGroup()
        /// Questions waiting for their answer, by question section.
        let waiting = NIOLockedValueBox<[[UInt8]: Asker]>([:])

        init(socket: Int32) { self.socket = socket }
    }

    private let listener: Listener

    /// Answers queries with `upstream`'s answers, each `delay` after its question first came.
    public init(upstream: UInt16, delay: Duration) throws {
        let (socket, port) = try FreePort.boundUDPSocket()
        var poll = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &poll, socklen_t(MemoryLayout<timeval>.size))
        self.port = port
        listener = Listener(socket: socket)
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        Thread.detachNewThread { [listener] in
            Self.receive(on: listener, upstream: upstream, delay: seconds)
        }
    }

    deinit {
        listener.stopped.store(true, ordering: .releasing)
    }

    private static func receive(on listener: Listener, upstream: UInt16, delay: TimeInterval) {
        while !listener.stopped.load(ordering: .acquiring) {
            var query = [UInt8](repeating: 0, count: 4096)
            var asker = Asker(id: (0, 0), address: sockaddr_storage(), length: socklen_t(MemoryLayout<sockaddr_storage>.size))
            let count = withUnsafeMutablePointer(to: &asker.address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(listener.socket, &query, query.count, 0, $0, &asker.length) }
            }
            guard count > 12, let question = Self.question(in: query[0..<count]) else { continue }
            asker.id = (query[0], query[1])
            let first = listener.waiting.withLockedValue { waiting in
                defer { waiting[question] = asker }
                return waiting[question] == nil
            }
            guard first else { continue }
            let received = Array(query[0..<count])
            listener.pending.enter()
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) {
                defer { listener.pending.leave() }
                let answer = DNSProbe.exchange(received, port: upstream, timeout: timeval(tv_sec: 2, tv_usec: 0))
                guard let latest = listener.waiting.withLockedValue({ $0.removeValue(forKey: question) }),
                      !listener.stopped.load(ordering: .acquiring), var answer else { return }
                (answer[0], answer[1]) = latest.id
                var address = latest.address
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(listener.socket, answer, answer.count, 0, $0, latest.length)
                    }
                }
            }
        }
        listener.pending.wait()
        close(listener.socket)
    }

    /// The question section of a query with one question: name, type and class (RFC 1035 §4.1.2).
    private static func question(in query: ArraySlice<UInt8>) -> [UInt8]? {
        var index = query.startIndex + 12
        while index < query.endIndex, query[index] != 0 {
            guard query[index] < 64 else { return nil }
            index += Int(query[index]) + 1
        }
        guard index + 5 <= query.endIndex else { return nil }
        return Array(query[(query.startIndex + 12)..<(index + 5)]).map { $0 | (($0 >= 65 && $0 <= 90) ? 0x20 : 0) }
    }
}
