import Logging
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// The milter listener: accepts MTA connections on a TCP or UNIX-domain socket and runs one
/// ``MilterSession`` per connection, each in a ``MilterChannelHandler`` on its connection's event
/// loop, with one child task per connection waiting for it to close.
///
/// Replies to one read from the MTA go out as one buffer with one flush, and accepted TCP
/// sockets have TCP_NODELAY, so the MTA never waits on a delayed ACK for a reply split in
/// pieces. A connection that breaks the protocol is closed with a log line; the others go on.
///
/// ```swift
/// let server = try await MilterServer.bind(to: .inet(host: "127.0.0.1", port: 8893), filter: filter, logger: logger)
/// try await server.run()          // until stopAccepting() and the last connection ends
/// ```
public final class MilterServer<Filter: MilterMessageFilter>: Sendable {
    /// Accepted sockets come out as plain channels, not yet reading, and get their handler only
    /// from the task that serves them, so one accepted while the listener closes is merely closed
    /// (``AcceptedConnections``).
    private let listener: NIOAsyncChannel<any Channel, Never>
    private let connections: AcceptedConnections
    private let filter: Filter
    private let maximumFrameSize: Int
    private let progressInterval: Duration
    private let isTCP: Bool
    private let logger: Logger
    private let idleTrim = IdleMemoryTrim()
    /// The address the socket is bound to; for port 0, the port the kernel chose.
    public let localAddress: SocketAddress?

    private init(listener: NIOAsyncChannel<any Channel, Never>, connections: AcceptedConnections, filter: Filter,
                 maximumFrameSize: Int, progressInterval: Duration, isTCP: Bool, logger: Logger) {
        self.listener = listener
        self.connections = connections
        self.filter = filter
        self.maximumFrameSize = maximumFrameSize
        self.progressInterval = progressInterval
        self.isTCP = isTCP
        self.logger = logger
        localAddress = listener.channel.localAddress
    }

    /// Opens the listening socket; connections are served once ``run()`` is called.
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
        // Socket options of accepted connections are set by the task serving each one: a failing
        // child option would end the listener's whole stream of connections.
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
        let connections = AcceptedConnections()
        let initializer: @Sendable (any Channel) -> EventLoopFuture<any Channel> = { channel in
            connections.accepted(channel)
            return channel.eventLoop.makeSucceededFuture(channel)
        }
        let listener: NIOAsyncChannel<any Channel, Never>
        switch address {
        case .inet(let host, let port):
            listener = try await bootstrap.bind(host: host ?? "0.0.0.0", port: port, childChannelInitializer: initializer)
        case .inet6(let host, let port):
            listener = try await bootstrap.bind(host: host ?? "::", port: port, childChannelInitializer: initializer)
        case .unix(let path):
            try UnixSocketPath.checkReplaceable(path)
            listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true,
                                                childChannelInitializer: initializer)
        }
        return MilterServer(listener: listener, connections: connections, filter: filter, maximumFrameSize: maximumFrameSize,
                            progressInterval: progressInterval, isTCP: address.isTCP, logger: logger)
    }

    /// Serves connections until ``stopAccepting()`` is called, then waits for the open ones to
    /// end. Cancelling the task closes them at once.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            defer { connections.closeUnserved() }
            try await listener.executeThenClose { inbound in
                for try await connection in inbound {
                    connections.served(connection)
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Closes the listening socket: no new connections, the open ones go on.
    public func stopAccepting() {
        listener.channel.close(promise: nil)
    }

    /// Serves one connection until it closes: a ``MilterChannelHandler`` answers the MTA on the
    /// channel's event loop; this task only waits, and closes the channel when cancelled.
    private func serve(_ channel: any Channel) async {
        idleTrim.connectionOpened()
        defer { idleTrim.connectionClosed() }
        let peer = Self.describe(channel.remoteAddress)
        do {
            try await channel.eventLoop.submit { [filter, maximumFrameSize, progressInterval, logger] in
                try channel.pipeline.syncOperations.addHandler(MilterChannelHandler(
                    session: MilterSession(filter: filter), parser: MilterFrameParser(maximumFrameSize: maximumFrameSize),
                    progressInterval: progressInterval, peer: peer, logger: logger))
            }.get()
            if isTCP {
                // A milter reply is a few small frames the MTA waits for: send each at once.
                try await channel.setOption(.tcpOption(.tcp_nodelay), value: 1).get()
            }
            // Reading starts once the handler is in place, so no bytes go past it.
            try await channel.setOption(.autoRead, value: true).get()
            try await withTaskCancellationHandler {
                try await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            if Task.isCancelled {
                logger.info("milter connection from \(peer) closed: the daemon is stopping")
            }
        } catch ChannelError.ioOnClosedChannel {
            // The peer closed the connection before it was set up: a probe that only connects
            // (a monitoring check, `dmarcd doctor`), or a connection cut by a stop. Nothing to say.
            channel.close(promise: nil)
        } catch {
            channel.close(promise: nil)
            logger.error("milter connection from \(peer) closed: \(error)")
        }
    }

    /// `192.0.2.1:40312` for TCP peers; the MTA's end of a UNIX socket has no name of its own.
    private static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "the MTA (local socket)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// The connections the listener accepted that no task serves yet. The listener's stream drops a
/// connection whose setup ends after the listener closed, without closing it: its socket would
/// stay open, and its channel and pipeline would keep each other alive until the process ends.
/// Those are closed here once the listener is done, and any set up later at once.
final class AcceptedConnections: Sendable {
    private struct State {
        var unserved: [ObjectIdentifier: any Channel] = [:]
        var listenerIsDone = false
    }

    private let state = NIOLockedValueBox(State())

    /// Called as the listener sets a connection up, before it reaches the stream.
    func accepted(_ channel: any Channel) {
        let listenerIsDone = state.withLockedValue { state in
            if !state.listenerIsDone { state.unserved[ObjectIdentifier(channel)] = channel }
            return state.listenerIsDone
        }
        if listenerIsDone { channel.close(promise: nil) }
    }

    func served(_ channel: any Channel) {
        state.withLockedValue { $0.unserved[ObjectIdentifier(channel)] = nil }
    }

    /// Closes the connections no task took, and from now on each one as it is set up.
    func closeUnserved() {
        let unserved = state.withLockedValue { state in
            state.listenerIsDone = true
            defer { state.unserved = [:] }
            return Array(state.unserved.values)
        }
        for channel in unserved { channel.close(promise: nil) }
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
