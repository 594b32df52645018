import Logging
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// The milter listener: accepts MTA connections on a TCP or UNIX-domain socket and runs one
/// ``MilterSession`` per connection in a ``MilterChannelHandler`` on its connection's event loop.
///
/// A connection is set up on its event loop as it is accepted, with no task of its own: Postfix
/// opens a connection for each SMTP session, often one message, and handing each accepted socket
/// to a task and back cost more thread switches than checking the message. ``OpenConnections``
/// keeps the open ones for a stop.
///
/// Replies to one read from the MTA go out as one buffer with one flush, and accepted TCP
/// sockets have TCP_NODELAY (Linux gives accepted sockets the listening socket's), so the MTA
/// never waits on a delayed ACK for a reply split in pieces. A connection that breaks the
/// protocol is closed with a log line; the others go on.
///
/// ```swift
/// let server = try await MilterServer.bind(to: .inet(host: "127.0.0.1", port: 8893), filter: filter, logger: logger)
/// try await server.run()          // until stopAccepting() and the last connection ends
/// ```
public final class MilterServer<Filter: MilterMessageFilter>: Sendable {
    private let listener: any Channel
    private let connections: OpenConnections
    /// The address the socket is bound to; for port 0, the port the kernel chose.
    public let localAddress: SocketAddress?

    private init(listener: any Channel, connections: OpenConnections) {
        self.listener = listener
        self.connections = connections
        localAddress = listener.localAddress
    }

    /// Opens the listening socket and serves connections from then on; ``run()`` waits for the
    /// end.
    ///
    /// While the filter works on a message's end, the MTA is sent SMFIR_PROGRESS every
    /// `progressInterval`, which restarts its reply timer.
    public static func bind(
        to address: MilterServerAddress,
        filter: Filter,
        maximumFrameSize: Int = MilterFrameParser.defaultMaximumFrameSize,
        progressInterval: Duration = .seconds(10),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> MilterServer {
        let connections = OpenConnections(logger: logger)
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // A milter reply is a few small frames the MTA waits for: send each at once. NIO
            // leaves the option out on a UNIX-domain socket.
            .serverChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // Postfix sends the rest of a message (recipients, header fields, body, its end) in one
            // go, 4 to 64 KiB for most mail. NIO's default first read of a connection takes
            // 2 KiB, and each connection is new, so a 5 KiB message took three reads.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(
                minimum: 8192, initial: 8192, maximum: 65536))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let peer = describe(channel.remoteAddress)
                    // Refused once the listener stops: the socket is closed at once.
                    try connections.open(channel, peer: peer)
                    let session = MilterSession(filter: filter, executor: EventLoopTaskExecutor(channel.eventLoop))
                    try channel.pipeline.syncOperations.addHandler(MilterChannelHandler(
                        session: session, parser: MilterFrameParser(maximumFrameSize: maximumFrameSize),
                        progressInterval: progressInterval, peer: peer, logger: logger))
                }
            }
        let listener: any Channel
        switch address {
        case .inet(let host, let port):
            listener = try await bootstrap.bind(host: host ?? "0.0.0.0", port: port).get()
        case .inet6(let host, let port):
            listener = try await bootstrap.bind(host: host ?? "::", port: port).get()
        case .unix(let path):
            try UnixSocketPath.checkReplaceable(path)
            listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        return MilterServer(listener: listener, connections: connections)
    }

    /// Returns once ``stopAccepting()`` was called and the last open connection has ended.
    /// Cancelling the task closes the open connections at once.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await listener.closeFuture.get()
            // Also when the listener closed without stopAccepting(): nothing comes in any more.
            connections.stopAccepting()
            await connections.allClosed()
        } onCancel: {
            stopAccepting()
            connections.closeAll()
        }
    }

    /// Closes the listening socket: no new connections, the open ones go on.
    public func stopAccepting() {
        connections.stopAccepting()
        listener.close(promise: nil)
    }

    /// `192.0.2.1:40312` for TCP peers; the MTA's end of a UNIX socket has no name of its own.
    private static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "the MTA (local socket)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// The connections a listener has open, for its stop: once it stops accepting, a connection
/// set up late is refused, and ``allClosed()`` returns when the last one has ended.
final class OpenConnections: Sendable {
    private struct State {
        var open: [ObjectIdentifier: (channel: any Channel, peer: String)] = [:]
        var isAccepting = true
        var waiters: [CheckedContinuation<Void, Never>] = []

        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            defer { waiters = [] }
            return waiters
        }
    }

    private struct Refused: Error {}

    private let state = NIOLockedValueBox(State())
    private let idleTrim = IdleMemoryTrim()
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Takes a connection just accepted; throws when the listener has stopped.
    func open(_ channel: any Channel, peer: String) throws {
        let id = ObjectIdentifier(channel)
        try state.withLockedValue { state in
            guard state.isAccepting else { throw Refused() }
            state.open[id] = (channel, peer)
        }
        idleTrim.connectionOpened()
        channel.closeFuture.whenComplete { _ in self.closed(id) }
    }

    func stopAccepting() {
        let waiters = state.withLockedValue { state in
            state.isAccepting = false
            return state.open.isEmpty ? state.takeWaiters() : []
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once the listener has stopped accepting and no connection is open.
    func allClosed() async {
        await withCheckedContinuation { continuation in
            let done = state.withLockedValue { state in
                if !state.isAccepting && state.open.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Closes every open connection: the daemon stops without waiting for them.
    func closeAll() {
        let open = state.withLockedValue { Array($0.open.values) }
        for (channel, peer) in open {
            logger.info("milter connection from \(peer) closed: the daemon is stopping")
            channel.close(promise: nil)
        }
    }

    private func closed(_ id: ObjectIdentifier) {
        let waiters = state.withLockedValue { state in
            state.open[id] = nil
            return !state.isAccepting && state.open.isEmpty ? state.takeWaiters() : []
        }
        idleTrim.connectionClosed()
        waiters.forEach { $0.resume() }
    }
}

/// Hands memory freed by finished connections back to the system once the milter has been
/// without connections for a second. glibc's malloc keeps freed pages in its arenas, and after
/// a burst of connections most of them stay resident although no longer in use; `malloc_trim`
/// releases every whole free page. At most one trim waits at a time, so a steady stream of
/// short connections costs one trim a second at most.
final class IdleMemoryTrim: Sendable {
    private struct State {
        var open = 0
        var scheduled = false
    }

    private let state = NIOLockedValueBox(State())

    func connectionOpened() {
        state.withLockedValue { $0.open += 1 }
    }

    func connectionClosed() {
        let schedule = state.withLockedValue { state in
            state.open -= 1
            guard state.open == 0, !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        guard schedule else { return }
        Task {
            try? await Task.sleep(for: .seconds(1))
            let idle = state.withLockedValue { state in
                state.scheduled = false
                return state.open == 0
            }
            // Its result only says whether anything was released.
            if idle { _ = Self.trim?(0) }
        }
    }

    /// glibc's `malloc_trim`, which Swift's Glibc module does not import (it is in <malloc.h>);
    /// nil with another C library.
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()
}
