import Primitives
import CUV
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP server for swerve's framed protocol, on several libuv loops.
///
/// ## Multi-loop design: one `SO_REUSEPORT` socket per loop
///
/// Each loop owns its own listening socket, all bound to the same address
/// with `SO_REUSEPORT` (created here with `socket`/`setsockopt`/`bind` and
/// adopted with `uv_tcp_open`, since libuv 1.44 has no flag for it). The
/// kernel spreads incoming connections over the sockets by a hash of the
/// connection's addresses, so each loop accepts and serves its own
/// connections with no hand-off between threads, no shared accept lock and no
/// cross-thread wake-up per connection. The alternative, one acceptor handing
/// sockets to the other loops, costs an extra wake-up and queue hop per
/// connection and puts all accepting on one thread. Trade-offs of
/// `SO_REUSEPORT`: the spread is by hash, not by load (a few connections may
/// land on one loop; with many connections it evens out), and connections
/// still waiting in a closed socket's backlog are reset at shutdown, which is
/// acceptable since shutdown refuses new connections anyway.
///
/// Measured on the 2-core development machine (release build, trivial echo
/// handler, 32-byte payloads, clients in the same process, 3 s runs): one
/// connection pipelining 128 requests ≈ 3 M requests/s with the blocking
/// client, ≈ 1.7 M/s with ``FrameClient``, ≈ 0.78 M/s when the handler replies
/// from a worker thread; one request at a time ≈ 50 k round trips/s. 64
/// connections were spread 30/34 over the two loops (4 connections landed
/// 4/0, 1/3 and 2/2 in three runs).
///
/// Port 0 picks an ephemeral port: the first socket binds to 0 and the others
/// bind to the port it got, reported by ``boundPort``. For a fixed port a
/// probe bind *without* `SO_REUSEPORT` first checks that nobody listens there
/// already (two servers silently sharing a port would be a nasty surprise).
///
/// ## Lifecycle
///
/// `init` binds and starts serving (throws if it cannot). ``shutdown(grace:)``
/// stops accepting, lets in-flight requests finish and flush (bounded by the
/// grace period), closes every connection, and, if the server created its own
/// loops, joins their threads. ``shutdownOnSignals(_:grace:)`` ties that to
/// SIGTERM/SIGINT and ``waitUntilShutdown()`` blocks until it has happened.
///
/// ## Thread-safety
///
/// All public methods may be called from any thread except a loop thread of
/// this server (they wait for the loops).
public final class FrameServer: @unchecked Sendable {
    /// The host the server was asked to listen on.
    public let host: String
    /// The port actually listened on (the ephemeral one when asked for port 0).
    public let boundPort: Int
    /// The limits in force.
    public let limits: ServerLimits
    /// The loops serving connections.
    public let group: EventLoopGroup

    private let ownsGroup: Bool
    private let serverLoops: [ServerLoop]
    private let shared: ServerShared
    private let phase = Locked(Phase.running)
    private let finished = Semaphore()

    private enum Phase { case running, shuttingDown, shutDown }

    /// Counters of one server, summed over its loops.
    public struct Statistics: Sendable, Equatable {
        /// Connections open now (including ones being closed).
        public var openConnections = 0
        /// Connections accepted and served since start.
        public var acceptedConnections = 0
        /// Connections accepted and closed at once for ``ServerLimits/maxConnections`` (or during shutdown).
        public var rejectedConnections = 0
        /// `accept` failures (e.g. out of file descriptors).
        public var acceptErrors = 0
        /// Frames delivered to the handler.
        public var framesReceived = 0
        /// Replies written to connections.
        public var repliesSent = 0
        /// Replies dropped because their connection had closed (or a second send for one request).
        public var repliesDropped = 0
        /// Connections closed for a framing error.
        public var framingErrors = 0
        /// Connections closed by the idle timeout.
        public var idleClosures = 0
        /// Times a connection stopped reading because it reached the in-flight cap.
        public var readPausesForInFlight = 0
        /// Times a connection stopped reading because its queued output passed the high-water mark.
        public var readPausesForWriteBackpressure = 0
        /// Connections not reading right now because of a limit.
        public var pausedConnections = 0
        /// Requests received and not yet replied to, over all connections.
        public var inFlightRequests = 0
        /// Connections accepted by each loop (shows how the kernel spread them).
        public var connectionsPerLoop: [Int] = []

        public init() {}

        mutating func add(_ other: Statistics) {
            openConnections += other.openConnections
            acceptedConnections += other.acceptedConnections
            rejectedConnections += other.rejectedConnections
            acceptErrors += other.acceptErrors
            framesReceived += other.framesReceived
            repliesSent += other.repliesSent
            repliesDropped += other.repliesDropped
            framingErrors += other.framingErrors
            idleClosures += other.idleClosures
            readPausesForInFlight += other.readPausesForInFlight
            readPausesForWriteBackpressure += other.readPausesForWriteBackpressure
            pausedConnections += other.pausedConnections
            inFlightRequests += other.inFlightRequests
            connectionsPerLoop += other.connectionsPerLoop
        }
    }

    /// Binds `host:port` and starts serving with `handler`.
    ///
    /// - Parameters:
    ///   - host: an IPv4 or IPv6 address ("0.0.0.0", "::", "127.0.0.1", "::1")
    ///     or a host name (resolved once, blocking, here).
    ///   - port: 0 for an ephemeral port (see ``boundPort``).
    ///   - group: loops to serve on; by default the server creates one loop
    ///     per core and shuts them down with itself.
    ///   - transforms: makes each accepted connection's byte transform (TLS); nil = plain.
    ///   - sharedWith: a second protocol on the same port, chosen by a
    ///     connection's first byte (gRPC beside the swerve protocol); nil = frames only.
    public init(
        host: String = "0.0.0.0",
        port: Int,
        handler: any FrameHandler,
        limits: ServerLimits = ServerLimits(),
        group: EventLoopGroup? = nil,
        transforms: (any ByteTransformFactory)? = nil,
        sharedWith: SharedPortProtocol? = nil
    ) throws {
        try limits.validate()
        guard let address = try SocketAddress.resolveBlocking(host: host, port: port).first else {
            throw TransportError.invalidAddress(host, reason: "no address to listen on")
        }
        self.host = host
        self.limits = limits
        shared = ServerShared(limits: limits)
        if let group {
            self.group = group
            self.ownsGroup = false
        } else {
            self.group = try EventLoopGroup(name: "swerve-server")
            self.ownsGroup = true
        }

        var fds: [Int32] = []
        var loops: [ServerLoop] = []
        var handedOver = 0 // sockets from this index on are still ours to close
        do {
            let bound = try ListeningSocket.bindAll(address, count: self.group.loops.count)
            fds = bound.fds
            self.boundPort = bound.port
            for (i, loop) in self.group.loops.enumerated() {
                let serverLoop = ServerLoop(loop: loop, index: i, handler: handler, limits: limits, shared: shared,
                                            transforms: transforms, sharedWith: sharedWith)
                let fd = fds[i]
                handedOver = i + 1 // listen(fd:) owns the socket even when it fails
                try loop.submitAndWait { try serverLoop.listen(fd: fd) }
                loops.append(serverLoop)
            }
        } catch {
            // Sockets not yet adopted by a loop are still ours to close.
            for fd in fds.dropFirst(handedOver) { Glibc.close(fd) }
            for serverLoop in loops {
                try? serverLoop.loop.submitAndWait { serverLoop.beginShutdown(grace: .zero) {} }
            }
            if ownsGroup { self.group.shutdown() }
            throw error
        }
        self.serverLoops = loops
    }

    deinit {
        // A server dropped without shutdown() still releases its threads,
        // unless the last reference went away on one of them (joining
        // itself would deadlock; the loops then live on, idle).
        if ownsGroup && phase.withLock({ $0 }) != .shutDown && !group.loops.contains(where: { $0.inEventLoop }) {
            group.shutdown()
        }
    }

    /// Stops accepting connections, lets in-flight requests finish and their
    /// responses flush (for at most `grace`), closes every connection, and, if
    /// the server created its loops, joins their threads. Returns when done.
    /// Idempotent: a second call waits for the first to finish.
    public func shutdown(grace: Duration = .seconds(5)) {
        let first = phase.withLock { p -> Bool in
            guard p == .running else { return false }
            p = .shuttingDown
            return true
        }
        guard first else {
            waitUntilShutdown()
            return
        }
        precondition(!group.loops.contains { $0.inEventLoop }, "FrameServer.shutdown must not be called on one of its loop threads")
        let drained = Semaphore()
        for serverLoop in serverLoops {
            serverLoop.loop.execute { serverLoop.beginShutdown(grace: grace) { drained.signal() } }
        }
        // Each loop force-closes its connections at `grace`; the extra second
        // only covers close callbacks, so a wedged loop cannot hang us. One
        // deadline for all loops, not one per loop.
        let clock = ContinuousClock()
        let deadline = clock.now + grace + .seconds(1)
        for _ in serverLoops {
            _ = drained.wait(timeout: max(.zero, deadline - clock.now))
        }
        if ownsGroup { group.shutdown() }
        phase.withLock { $0 = .shutDown }
        finished.signal()
    }

    /// Blocks until ``shutdown(grace:)`` has completed (for an executable's
    /// main thread after ``shutdownOnSignals(_:grace:)``).
    public func waitUntilShutdown() {
        finished.wait()
        // Let any other waiter through too.
        finished.signal()
    }

    /// True once ``shutdown(grace:)`` has completed.
    public var isShutDown: Bool { phase.withLock { $0 == .shutDown } }

    /// Starts ``shutdown(grace:)`` (on a thread of its own) when one of
    /// `signals` arrives. Uses libuv signal watchers on the first loop, so the
    /// process's default action for those signals no longer applies.
    public func shutdownOnSignals(_ signals: [Int32] = [SIGTERM, SIGINT], grace: Duration = .seconds(5)) throws {
        let serverLoop = serverLoops[0]
        try serverLoop.loop.submitAndWait {
            try serverLoop.installSignals(signals) { [weak self] _ in
                guard let self else { return }
                PThread.detached(name: "swerve-shutdown") { self.shutdown(grace: grace) }
            }
        }
    }

    /// A snapshot of the counters, gathered from every loop.
    public func statistics() -> Statistics {
        var total = Statistics()
        for serverLoop in serverLoops {
            if let s = try? serverLoop.loop.submitAndWait({ serverLoop.snapshot() }) {
                total.add(s)
            }
        }
        return total
    }
}
