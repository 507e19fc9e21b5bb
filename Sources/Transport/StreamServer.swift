import Primitives
import CUV
#if canImport(Glibc)
import Glibc
#endif

/// A TCP server for byte-stream protocols (HTTP for the REST adapter, or a
/// ``ProtocolSelector`` choosing between protocols by their first bytes)
/// on the loops of an ``EventLoopGroup``: one `SO_REUSEPORT` listening socket
/// per loop, exactly like ``FrameServer`` (see there for why), each accepted
/// connection served on the loop that accepted it by a ``StreamHandler``
/// from the factory.
///
/// Lifecycle: `init` binds and starts serving; ``shutdown(grace:)`` stops
/// accepting, asks every handler to finish (``StreamHandler/streamServerWillShutDown(_:)``),
/// closes what is left at `grace`, and returns. The group is the caller's:
/// the server never shuts its loops down.
///
/// Thread-safety: public methods may be called from any thread except the
/// group's loop threads (they wait for the loops).
public final class StreamServer: @unchecked Sendable {
    /// Server-wide settings.
    public struct Options: Sendable {
        /// Open connections allowed across all loops; more are closed at once.
        public var maxConnections: Int = 10_000
        /// How often each connection's ``StreamHandler/streamSweep(_:now:)`` runs.
        public var sweepInterval: Duration = .milliseconds(100)
        /// How long a gracefully closing connection waits for the peer's FIN.
        public var closeTimeout: Duration = .seconds(2)
        /// The `listen()` backlog of each socket.
        public var listenBacklog: Int = 1024
        /// Makes each accepted connection's byte transform (TLS); nil = plain.
        public var transforms: (any ByteTransformFactory)? = nil
        /// Open connections allowed from one remote host; more are closed at once. nil = no per-host cap.
        public var maxConnectionsPerAddress: Int? = nil

        public init(maxConnections: Int = 10_000, sweepInterval: Duration = .milliseconds(100),
                    closeTimeout: Duration = .seconds(2), listenBacklog: Int = 1024) {
            self.maxConnections = maxConnections
            self.sweepInterval = sweepInterval
            self.closeTimeout = closeTimeout
            self.listenBacklog = listenBacklog
        }
    }

    /// Creates the handler of a newly accepted connection (on its loop thread).
    public typealias HandlerFactory = @Sendable (StreamConnection) -> StreamHandler

    /// The port actually listened on.
    public let boundPort: Int
    public let group: EventLoopGroup
    public let options: Options
    private let loops: [StreamServerLoop]
    private let phase = Locked(0) // 0 running, 1 shutting down, 2 down

    /// Binds `host:port` (0 = ephemeral, see ``boundPort``) on every loop of
    /// `group` and starts accepting.
    public init(host: String, port: Int, group: EventLoopGroup, options: Options = Options(),
                makeHandler: @escaping HandlerFactory) throws {
        guard let address = try SocketAddress.resolveBlocking(host: host, port: port).first else {
            throw TransportError.invalidAddress(host, reason: "no address to listen on")
        }
        self.group = group
        self.options = options
        let bound = try ListeningSocket.bindAll(address, count: group.loops.count)
        boundPort = bound.port
        let counter = Locked(0)
        let perAddress = options.maxConnectionsPerAddress.map(AddressConnectionCounter.init(limit:))
        var loops: [StreamServerLoop] = []
        var handedOver = 0
        do {
            for (i, loop) in group.loops.enumerated() {
                let serverLoop = StreamServerLoop(loop: loop, options: options, makeHandler: makeHandler, openConnections: counter,
                                                  perAddress: perAddress)
                let fd = bound.fds[i]
                handedOver = i + 1
                try loop.submitAndWait { try serverLoop.listen(fd: fd) }
                loops.append(serverLoop)
            }
        } catch {
            for fd in bound.fds.dropFirst(handedOver) { Glibc.close(fd) }
            for serverLoop in loops {
                try? serverLoop.loop.submitAndWait { serverLoop.beginShutdown {} }
            }
            throw error
        }
        self.loops = loops
    }

    /// Stops accepting, lets handlers finish (at most `grace`), closes every
    /// connection. Idempotent.
    public func shutdown(grace: Duration = .seconds(5)) {
        let first = phase.withLock { p -> Bool in
            defer { if p == 0 { p = 1 } }
            return p == 0
        }
        guard first else { return }
        let drained = Semaphore()
        for serverLoop in loops {
            serverLoop.loop.execute { serverLoop.beginShutdown { drained.signal() } }
            serverLoop.loop.schedule(after: grace) { serverLoop.forceCloseAll() }
        }
        let clock = ContinuousClock()
        let deadline = clock.now + grace + .seconds(1)
        for _ in loops { _ = drained.wait(timeout: max(.zero, deadline - clock.now)) }
        phase.withLock { $0 = 2 }
    }

    /// Connections open now, over all loops.
    public var openConnections: Int {
        loops.reduce(0) { sum, l in sum + ((try? l.loop.submitAndWait { l.connectionCount }) ?? 0) }
    }
}

/// A ``StreamServer``'s listener and connections on one loop. Loop-thread only.
final class StreamServerLoop: StreamConnectionOwner {
    let loop: EventLoop
    let options: StreamServer.Options
    let makeHandler: StreamServer.HandlerFactory
    let openConnections: Locked<Int>
    let perAddress: AddressConnectionCounter?
    private var listener: Listener?
    private var connections: [StreamConnection] = []
    private var sweepTimer: LoopTimer?
    private var isShuttingDown = false
    private var onDrained: (() -> Void)?

    init(loop: EventLoop, options: StreamServer.Options, makeHandler: @escaping StreamServer.HandlerFactory, openConnections: Locked<Int>,
         perAddress: AddressConnectionCounter?) {
        self.loop = loop
        self.perAddress = perAddress
        self.options = options
        self.makeHandler = makeHandler
        self.openConnections = openConnections
    }

    var connectionCount: Int { connections.count }

    /// Adopts the bound socket `fd` (closed here on failure) and listens.
    func listen(fd: Int32) throws {
        listener = try Listener(loop: loop, fd: fd, backlog: options.listenBacklog,
                                onAccept: { [unowned self] in self.accept($0) })
        let sweep = LoopTimer(on: loop)
        sweep.setCallback { [unowned self] in self.sweep() }
        sweep.start(after: options.sweepInterval, repeating: options.sweepInterval)
        sweep.unref()
        sweepTimer = sweep
    }

    private func accept(_ connection: StreamConnection) {
        connection.owner = self
        connection.closeTimeoutMilliseconds = options.closeTimeout.milliseconds
        connections.appendMember(connection)
        let open = openConnections.withLock { n -> Int in n += 1; return n }
        if open > options.maxConnections || isShuttingDown {
            connection.close()
            return
        }
        if let perAddress {
            let host = connection.remoteHost
            guard perAddress.admit(host) else {
                connection.close()
                return
            }
            connection.countedHost = host
        }
        if let transforms = options.transforms {
            do {
                connection.setTransform(try transforms.makeTransform(for: connection))
            } catch {
                connection.close(error: error)
                return
            }
        }
        connection.setHandler(makeHandler(connection))
        connection.startReading()
    }

    func connectionDidClose(_ connection: StreamConnection) {
        openConnections.withLock { $0 -= 1 }
        if let host = connection.countedHost { perAddress?.release(host) }
        guard connections.removeMember(connection) else { return }
        checkDrained()
    }

    private func sweep() {
        let now = uv_now(loop.uvLoop)
        for connection in connections { connection.sweep(now: now) }
    }

    func beginShutdown(_ onDrained: @escaping () -> Void) {
        isShuttingDown = true
        self.onDrained = onDrained
        listener?.close { [unowned self] in self.checkDrained() }
        for connection in connections {
            if let handler = connection.handler { handler.streamServerWillShutDown(connection) } else { connection.close() }
        }
        checkDrained()
    }

    func forceCloseAll() {
        for connection in connections { connection.close() }
    }

    private func checkDrained() {
        guard isShuttingDown, connections.isEmpty, listener?.isClosed ?? true, let onDrained else { return }
        self.onDrained = nil
        sweepTimer?.close()
        sweepTimer = nil
        onDrained()
    }
}
