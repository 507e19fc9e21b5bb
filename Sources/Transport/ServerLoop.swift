import Primitives
import CUV
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Counters shared by all loops of one server.
final class ServerShared: Sendable {
    let openConnections = Atomic<Int>(0)
    /// Set when the limits cap connections per remote host.
    let perAddress: AddressConnectionCounter?

    init(limits: ServerLimits) {
        perAddress = limits.maxConnectionsPerAddress.map(AddressConnectionCounter.init(limit:))
    }
}

/// A ``FrameServer``'s state on one loop: its listening socket, its
/// connections, its counters, its sweep timer. Loop-thread only.
///
/// With a ``SharedPortProtocol`` a connection is first a plain stream
/// connection waiting for its first byte (in `streams`); swerve framing moves
/// it to `connections`, the other protocol keeps it in `streams`, where the
/// sweep, the shutdown and the counts reach it through its ``StreamHandler``.
final class ServerLoop: UVHandleOwner, StreamConnectionOwner {
    let loop: EventLoop
    let index: Int
    let handler: FrameHandler
    let limits: ServerLimits
    let shared: ServerShared
    let transforms: (any ByteTransformFactory)?
    let sharedWith: SharedPortProtocol?
    var stats = FrameServer.Statistics()

    private var listener: Listener?
    private var connections: [ServerConnection] = []
    /// Connections not (or not yet) speaking swerve frames.
    private var streams: [StreamConnection] = []
    private var sweepTimer: LoopTimer?
    private var shutdownTimer: LoopTimer?
    private var signalHandles: [UnsafeMutablePointer<uv_signal_t>] = []
    private var onSignal: (@Sendable (Int32) -> Void)?
    private var isShuttingDown = false
    private var onDrained: (() -> Void)?

    init(loop: EventLoop, index: Int, handler: FrameHandler, limits: ServerLimits, shared: ServerShared,
         transforms: (any ByteTransformFactory)? = nil, sharedWith: SharedPortProtocol? = nil) {
        self.transforms = transforms
        self.sharedWith = sharedWith
        self.loop = loop
        self.index = index
        self.handler = handler
        self.limits = limits
        self.shared = shared
    }

    var now: UInt64 { uv_now(loop.uvLoop) }

    // MARK: Listening

    /// Adopts a bound socket and starts listening on it. Takes ownership of
    /// `fd`: it is closed here on failure.
    func listen(fd: Int32) throws {
        listener = try Listener(loop: loop, fd: fd, backlog: limits.listenBacklog,
                                onAccept: { [unowned self] in self.accept($0) },
                                onAcceptError: { [unowned self] in self.stats.acceptErrors += 1 })
        let sweep = LoopTimer(on: loop)
        sweep.setCallback { [unowned self] in self.sweep() }
        let interval = sweepInterval
        sweep.start(after: interval, repeating: interval)
        sweep.unref()
        sweepTimer = sweep
    }

    // Often enough to honour the idle and close timeouts within about a
    // quarter of their length; never busier than every 10 ms.
    private var sweepInterval: Duration {
        var shortest = limits.closeTimeout
        if let idle = limits.idleTimeout { shortest = min(shortest, idle) }
        return max(.milliseconds(10), min(.seconds(1), shortest / 4))
    }

    private func accept(_ stream: StreamConnection) {
        if let transforms {
            do {
                stream.setTransform(try transforms.makeTransform(for: stream))
            } catch {
                stats.acceptErrors += 1
                stream.close(error: error)
                return
            }
        }
        let open = shared.openConnections.add(1, ordering: .relaxed).newValue
        let admitted = open <= limits.maxConnections && !isShuttingDown && admitPerAddress(stream)
        if admitted { stats.acceptedConnections += 1 } else { stats.rejectedConnections += 1 }
        guard let other = sharedWith else {
            serveFrames(stream, admitted: admitted)
            return
        }
        track(stream)
        // An undecided connection may wait for its first byte as long as an
        // idle one may; a refused one only as long as a close takes.
        if !admitted {
            stream.limitCloseDeadline(now + limits.closeTimeout.milliseconds)
        } else if let idle = limits.idleTimeout {
            stream.limitCloseDeadline(now + idle.milliseconds)
        }
        stream.setHandler(ProtocolSelector(maxPrefixLength: 1) { [unowned self] stream, bytes in
            if bytes[0] == other.firstByte {
                guard admitted, !self.isShuttingDown else {
                    stream.close(error: nil)
                    return RefusedConnection()
                }
                stream.closeDeadline = nil
                return other.makeHandler(stream)
            }
            self.untrack(stream)
            stream.closeDeadline = nil
            return self.serveFrames(stream, admitted: admitted && !self.isShuttingDown)
        })
        stream.startReading()
    }

    /// Puts swerve framing on `stream`: served, or (not `admitted`) answered
    /// with the handler's connection-limit response and closed.
    @discardableResult
    private func serveFrames(_ stream: StreamConnection, admitted: Bool) -> StreamHandler {
        let channel = FrameChannel(connection: stream, maxPayloadLength: limits.maxFrameLength)
        let connection = ServerConnection(owner: self, channel: channel)
        connections.appendMember(connection)
        if admitted {
            stream.startReading()
        } else {
            connection.beginClosing(response: handler.connectionLimitResponse(), deadline: now + limits.closeTimeout.milliseconds)
        }
        return channel
    }

    private func track(_ stream: StreamConnection) {
        stream.owner = self
        stream.closeTimeoutMilliseconds = limits.closeTimeout.milliseconds
        streams.appendMember(stream)
    }

    private func untrack(_ stream: StreamConnection) {
        stream.owner = nil
        streams.removeMember(stream)
    }

    /// A stream connection (undecided, or the shared protocol's) closed.
    func connectionDidClose(_ stream: StreamConnection) {
        shared.openConnections.subtract(1, ordering: .relaxed)
        if let host = stream.countedHost { shared.perAddress?.release(host) }
        streams.removeMember(stream)
        checkDrained()
    }

    private func admitPerAddress(_ stream: StreamConnection) -> Bool {
        guard let perAddress = shared.perAddress else { return true }
        let host = stream.remoteHost
        guard perAddress.admit(host) else { return false }
        stream.countedHost = host
        return true
    }

    func connectionDidClose(_ connection: ServerConnection) {
        shared.openConnections.subtract(1, ordering: .relaxed)
        if let host = connection.channel.connection.countedHost { shared.perAddress?.release(host) }
        guard connections.removeMember(connection) else { return }
        checkDrained()
    }

    private func sweep() {
        let now = self.now
        let idle = limits.idleTimeout?.milliseconds
        // Iterate over a copy: a sweep may close connections.
        for connection in connections {
            connection.sweep(now: now, idleTimeout: isShuttingDown ? nil : idle)
        }
        for stream in streams { stream.sweep(now: now) }
    }

    // MARK: Signals

    func installSignals(_ signals: [Int32], _ action: @escaping @Sendable (Int32) -> Void) throws {
        onSignal = action
        for signal in signals {
            let handle = UVHandle.allocate(uv_signal_t.self)
            let initialised = uv_signal_init(loop.uvLoop, handle)
            if initialised < 0 {
                UVHandle.freeUninitialised(handle)
                throw UVError(code: initialised, operation: "uv_signal_init")
            }
            UVHandle.setOwner(handle, self)
            let rc = uv_signal_start(handle, { handle, signum in
                let serverLoop = UVHandle.owner(of: UVHandle.asHandle(handle!), as: ServerLoop.self)
                serverLoop.onSignal?(signum)
            }, signal)
            if rc < 0 {
                UVHandle.close(handle)
                throw UVError(code: rc, operation: "uv_signal_start(\(signal))")
            }
            // A signal watcher must not keep the loop alive on its own.
            uv_unref(UVHandle.asHandle(handle))
            signalHandles.append(handle)
        }
    }

    // MARK: Shutdown

    /// Stops accepting, closes every connection gracefully (in-flight replies
    /// are delivered) and forcibly at `grace`; calls `onDrained` once all are
    /// closed.
    func beginShutdown(grace: Duration, onDrained: @escaping () -> Void) {
        precondition(loop.inEventLoop)
        isShuttingDown = true
        self.onDrained = onDrained
        listener?.close { [unowned self] in self.checkDrained() }
        for handle in signalHandles { UVHandle.close(handle) }
        signalHandles.removeAll()
        onSignal = nil
        let deadline = now + grace.milliseconds
        for connection in connections {
            connection.beginClosing(response: nil, deadline: deadline)
        }
        for stream in streams {
            if let handler = stream.handler { handler.streamServerWillShutDown(stream) } else { stream.close() }
        }
        let timer = LoopTimer(on: loop)
        timer.setCallback { [unowned self] in self.forceCloseAll() }
        timer.start(after: grace)
        shutdownTimer = timer
        checkDrained()
    }

    private func forceCloseAll() {
        for connection in connections { connection.channel.close(error: nil) }
        for stream in streams { stream.close() }
    }

    private func checkDrained() {
        guard isShuttingDown, connections.isEmpty, streams.isEmpty, listener?.isClosed ?? true, let onDrained else { return }
        self.onDrained = nil
        sweepTimer?.close()
        sweepTimer = nil
        shutdownTimer?.close()
        shutdownTimer = nil
        onDrained()
    }

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        // Only signal handles close through here; nothing to track.
    }

    // MARK: Statistics

    func snapshot() -> FrameServer.Statistics {
        var s = stats
        s.openConnections = connections.count + streams.count
        s.pausedConnections = connections.reduce(0) { $0 + ($1.isReadPaused ? 1 : 0) }
        s.inFlightRequests = connections.reduce(0) { $0 + $1.inFlight }
        s.connectionsPerLoop = [stats.acceptedConnections]
        return s
    }
}

/// The handler of a connection refused before it chose a protocol other than
/// swerve frames: it is already closing, so nothing it is told matters.
private final class RefusedConnection: StreamHandler {
    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {}
    func streamDidReadEOF(_ connection: StreamConnection) {}
    func streamDidWrite(_ connection: StreamConnection) {}
    func streamDidClose(_ connection: StreamConnection) {}
}
