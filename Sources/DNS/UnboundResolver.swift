import CUnbound
import Metrics
import Foundation
import NIOConcurrencyHelpers

/// A ``DNSResolver`` on libunbound's asynchronous API: a cache, DNSSEC validation when a trust
/// anchor is given, and many queries in flight without a thread each.
///
/// libunbound has no per-query timeout (a dead forwarder can take many seconds to give up), so
/// each query carries its own deadline; when it passes, the query is cancelled with `ub_cancel`
/// and the caller gets ``DNSError/timeout``.
public final class UnboundResolver: DNSResolver {
    /// How the resolver reaches the DNS.
    public struct Options: Sendable, Hashable {
        /// Servers to forward every query to, as `IP` or `IP@port`; empty means the
        /// `nameserver` lines of /etc/resolv.conf.
        public var forwarders: [String]
        /// How long one query may take before it fails with ``DNSError/timeout``.
        public var timeout: Duration
        /// A file of DNSSEC trust anchors (DS or DNSKEY records); without it nothing is validated.
        /// Only useful when the forwarders pass DNSSEC records through; otherwise every answer fails.
        public var trustAnchorFile: String?
        /// Zones libunbound answers itself by default (`test.`, `invalid.`, the documentation
        /// networks' reverse zones) that should be asked of the forwarders instead.
        public var forwardedLocalZones: [String]

        public init(
            forwarders: [String] = [],
            timeout: Duration = .seconds(5),
            trustAnchorFile: String? = nil,
            forwardedLocalZones: [String] = []
        ) {
            self.forwarders = forwarders
            self.timeout = timeout
            self.trustAnchorFile = trustAnchorFile
            self.forwardedLocalZones = forwardedLocalZones
        }
    }

    /// The resolver could not be set up; the text names the setting and libunbound's reason.
    public struct SetupError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private let engine: UnboundEngine
    /// Answers with records, kept for their TTL: see ``DNSAnswerCache``.
    let cache = DNSAnswerCache()

    /// The forwarders actually used (after falling back to /etc/resolv.conf).
    public let forwarders: [String]

    public init(options: Options = Options()) throws(SetupError) {
        var forwarders = options.forwarders
        if forwarders.isEmpty {
            forwarders = ResolvConf.nameservers()
        }
        guard !forwarders.isEmpty else {
            throw SetupError(description: "no DNS servers: set Nameservers or list one in /etc/resolv.conf")
        }
        self.forwarders = forwarders
        engine = try UnboundEngine(options: options, forwarders: forwarders)
    }

    deinit {
        engine.stop()
    }

    /// Stops the resolver: queries still waiting fail with ``DNSError/serverFailure(_:)``.
    public func shutdown() {
        engine.stop()
    }

    public func resolve(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<DNSRecord> {
        if let kept = cache.lookup(name, type: type) {
            Self.countQuery(outcome: "cached")
            return try kept.get()
        }
        let reply = await engine.resolve(name, type: type)
        Self.countQuery(outcome: Self.outcomeName(reply.result))
        cache.keep(reply.result, negativeTTL: reply.negativeTTL, for: name, type: type)
        return try reply.result.get()
    }

    private static func countQuery(outcome: String) {
        Counter(label: "dmarcd_dns_queries_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// How `/metrics` names a query's end: `answer`, `nxdomain` and `nodata` are answers; the
    /// others are the failures that turn into `temperror` or `permerror`.
    static func outcomeName(_ result: Result<DNSAnswer<DNSRecord>, DNSError>) -> String {
        switch result {
        case .success: "answer"
        case .failure(.nxdomain): "nxdomain"
        case .failure(.noData): "nodata"
        case .failure(.serverFailure): "servfail"
        case .failure(.timeout): "timeout"
        case .failure(.malformed): "malformed"
        }
    }
}

/// Owns one libunbound context and the thread that drives it.
///
/// Every `ub_*` call after set-up happens on that one thread, so the query table, the deadline
/// queue and the context need no locks; callers reach the thread only through `inbox`, which a
/// mutex guards, and a pipe that wakes it. That split is why the class is `@unchecked Sendable`.
private final class UnboundEngine: @unchecked Sendable {
    /// What came of a query: records or why there are none, and for NXDOMAIN and NODATA how
    /// long that may be kept, which libunbound takes from the SOA record of the zone's answer
    /// (RFC 2308 §5).
    struct Reply {
        var result: Result<DNSAnswer<DNSRecord>, DNSError>
        var negativeTTL: UInt32 = 0
    }

    typealias Completion = CheckedContinuation<Reply, Never>

    private enum Command {
        case start(id: Int, name: String, type: DNSRecordType, deadline: ContinuousClock.Instant, completion: Completion)
        case cancel(id: Int)
    }

    private struct Inbox {
        var commands: [Command] = []
        var nextID = 0
        var stopping = false
    }

    /// A query libunbound is working on.
    private struct Pending {
        var token: Unmanaged<QueryToken>
        var asyncID: Int32
        var type: DNSRecordType
        var completion: Completion
    }

    private let context: OpaquePointer
    private let timeout: Duration
    private let inbox = NIOLockedValueBox(Inbox())
    private let wakeReader: Int32
    private let wakeWriter: Int32

    // Confined to the resolver thread.
    private var pending: [Int: Pending] = [:]
    private var deadlines = DeadlineQueue()
    private var cancelledBeforeStart: Set<Int> = []

    init(options: UnboundResolver.Options, forwarders: [String]) throws(UnboundResolver.SetupError) {
        guard let context = ub_ctx_create() else {
            throw UnboundResolver.SetupError(description: "libunbound could not create a context")
        }
        func check(_ status: Int32, _ what: String) throws(UnboundResolver.SetupError) {
            guard status == 0 else {
                ub_ctx_delete(context)
                throw UnboundResolver.SetupError(description: "\(what): \(String(cString: ub_strerror(status)))")
            }
        }
        // Forwarders, options and trust anchors must all be set before the first zone or resolve
        // call: libunbound freezes its configuration then.
        try check(ub_ctx_async(context, 1), "asynchronous mode")
        // Forwarders on this host (a local caching resolver at 127.0.0.1) are the normal case.
        try check(ub_ctx_set_option(context, "do-not-query-localhost:", "no"), "do-not-query-localhost")
        for forwarder in forwarders {
            try check(ub_ctx_set_fwd(context, forwarder), "forwarder \(forwarder)")
        }
        if let anchors = options.trustAnchorFile {
            try check(ub_ctx_add_ta_file(context, anchors), "trust anchor file \(anchors)")
        }
        for zone in options.forwardedLocalZones {
            try check(ub_ctx_zone_remove(context, zone), "local zone \(zone)")
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            ub_ctx_delete(context)
            throw UnboundResolver.SetupError(description: "cannot create a wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        self.context = context
        self.timeout = options.timeout
        self.wakeReader = pipeEnds[0]
        self.wakeWriter = pipeEnds[1]
        let thread = Thread { [self] in runLoop() }
        thread.name = "dmarcd-dns"
        thread.start()
    }

    func resolve(_ name: String, type: DNSRecordType) async -> Reply {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let id = inbox.withLockedValue { inbox in
            defer { inbox.nextID += 1 }
            return inbox.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (completion: Completion) in
                let accepted = send(.start(id: id, name: name, type: type, deadline: deadline, completion: completion))
                if !accepted { completion.resume(returning: Reply(result: .failure(.serverFailure("resolver stopped")))) }
            }
        } onCancel: {
            _ = send(.cancel(id: id))
        }
    }

    func stop() {
        let wasRunning = inbox.withLockedValue { inbox in
            defer { inbox.stopping = true }
            return !inbox.stopping
        }
        if wasRunning { wake() }
    }

    /// Queues a command for the resolver thread; false once the resolver is stopping.
    private func send(_ command: Command) -> Bool {
        let (accepted, needsWake) = inbox.withLockedValue { inbox -> (Bool, Bool) in
            guard !inbox.stopping else { return (false, false) }
            inbox.commands.append(command)
            return (true, inbox.commands.count == 1)
        }
        if needsWake { wake() }
        return accepted
    }

    private func wake() {
        var byte: UInt8 = 1
        // A full pipe already holds a wake-up, so a failed write loses nothing.
        _ = write(wakeWriter, &byte, 1)
    }

    // MARK: - The resolver thread

    private func runLoop() {
        var descriptors = [
            pollfd(fd: ub_fd(context), events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            _ = poll(&descriptors, 2, millisecondsUntilNextDeadline())
            if descriptors[1].revents != 0 { drainWakePipe() }
            let (commands, stopping) = inbox.withLockedValue { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                return (inbox.commands, inbox.stopping)
            }
            for command in commands { handle(command) }
            if descriptors[0].revents != 0 { ub_process(context) }
            expireOverdueQueries()
            if stopping { break }
        }
        for id in Array(pending.keys) {
            finishWithoutAnswer(id, .serverFailure("resolver stopped"))
        }
        ub_ctx_delete(context)
        close(wakeReader)
        close(wakeWriter)
    }

    private func handle(_ command: Command) {
        switch command {
        case .cancel(let id):
            if pending[id] != nil {
                finishWithoutAnswer(id, .timeout)
            } else {
                cancelledBeforeStart.insert(id)
            }
        case .start(let id, let name, let type, let deadline, let completion):
            if cancelledBeforeStart.remove(id) != nil {
                completion.resume(returning: Reply(result: .failure(.timeout)))
                return
            }
            let token = Unmanaged.passRetained(QueryToken(id: id, engine: self))
            var asyncID: Int32 = 0
            let status = ub_resolve_async(context, name, Int32(type.rawValue), 1, token.toOpaque(), unboundCallback, &asyncID)
            guard status == 0 else {
                token.release()
                completion.resume(returning: Reply(result: .failure(.serverFailure(String(cString: ub_strerror(status))))))
                return
            }
            pending[id] = Pending(token: token, asyncID: asyncID, type: type, completion: completion)
            deadlines.append(deadline, id: id)
        }
    }

    /// Called by libunbound, on this thread, from inside `ub_process`.
    fileprivate func complete(_ id: Int, status: Int32, result: UnsafeMutablePointer<ub_result>?) {
        defer { ub_resolve_free(result) }
        guard let query = pending.removeValue(forKey: id) else { return }
        guard status == 0, let result else {
            query.completion.resume(returning: Reply(result: .failure(.serverFailure(String(cString: ub_strerror(status))))))
            return
        }
        query.completion.resume(returning: Reply(result: Self.answer(from: result.pointee, type: query.type),
                                                 negativeTTL: UInt32(clamping: result.pointee.ttl)))
    }

    /// Ends a query that libunbound has not answered; libunbound will not call back for it.
    private func finishWithoutAnswer(_ id: Int, _ error: DNSError) {
        guard let query = pending.removeValue(forKey: id) else { return }
        if ub_cancel(context, query.asyncID) == 0 {
            query.token.release()
        }
        // Otherwise the answer is already on its way: the callback releases the token and,
        // finding no pending query, drops the answer.
        query.completion.resume(returning: Reply(result: .failure(error)))
    }

    private func expireOverdueQueries() {
        let now = ContinuousClock.now
        while let (deadline, id) = deadlines.first, deadline <= now {
            deadlines.removeFirst()
            finishWithoutAnswer(id, .timeout)
        }
    }

    private func millisecondsUntilNextDeadline() -> Int32 {
        while let (_, id) = deadlines.first, pending[id] == nil {
            deadlines.removeFirst()
        }
        guard let (deadline, _) = deadlines.first else { return -1 }
        let remaining = ContinuousClock.now.duration(to: deadline)
        let milliseconds = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, milliseconds + 1))
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeReader, &buffer, buffer.count) > 0 {}
    }

    /// Turns libunbound's result into records or the error that says why there are none.
    static func answer(from result: ub_result, type: DNSRecordType) -> Result<DNSAnswer<DNSRecord>, DNSError> {
        if result.bogus != 0 {
            let why = result.why_bogus.map { String(cString: $0) } ?? "no reason given"
            return .failure(.serverFailure("DNSSEC validation failed: \(why)"))
        }
        switch result.rcode {
        case 0:
            break
        case 3:
            return .failure(.nxdomain)
        case 2:
            return .failure(.serverFailure("SERVFAIL"))
        case 5:
            return .failure(.serverFailure("REFUSED"))
        default:
            return .failure(.serverFailure("RCODE \(result.rcode)"))
        }
        guard result.havedata != 0, let data = result.data, let lengths = result.len else {
            return .failure(.noData)
        }
        var records: [DNSRecord] = []
        var index = 0
        while let rdata = data[index] {
            let bytes = UnsafeRawBufferPointer(start: rdata, count: Int(lengths[index]))
            do {
                records.append(try DNSRecord(type: type, rdata: bytes))
            } catch {
                return .failure(error)
            }
            index += 1
        }
        guard !records.isEmpty else { return .failure(.noData) }
        return .success(DNSAnswer(records: records, ttl: UInt32(clamping: result.ttl), isSecure: result.secure != 0))
    }
}

/// What libunbound hands back to the callback: which query, of which engine.
private final class QueryToken {
    let id: Int
    unowned let engine: UnboundEngine

    init(id: Int, engine: UnboundEngine) {
        self.id = id
        self.engine = engine
    }
}

private let unboundCallback: ub_callback_type = { userData, status, result in
    guard let userData else { return }
    let token = Unmanaged<QueryToken>.fromOpaque(userData).takeRetainedValue()
    token.engine.complete(token.id, status: status, result: result)
}

/// Query deadlines in the order they fall due. Every query gets the same timeout, so they fall
/// due in the order they started and a FIFO is enough.
private struct DeadlineQueue {
    private var entries: [(ContinuousClock.Instant, Int)] = []
    private var head = 0

    var first: (ContinuousClock.Instant, Int)? { head < entries.count ? entries[head] : nil }

    mutating func append(_ deadline: ContinuousClock.Instant, id: Int) {
        entries.append((deadline, id))
    }

    mutating func removeFirst() {
        head += 1
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
