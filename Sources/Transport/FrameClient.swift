import Primitives
import CUV
#if canImport(Glibc)
import Glibc
#endif

/// An asynchronous client connection for the framed protocol, on an
/// ``EventLoop``: many requests in flight on one connection (pipelining),
/// responses matched to requests in order or by request id, connect and
/// per-request timeouts on loop timers.
///
/// Lifecycle: *idle* → ``connect(_:)`` → *connecting* (host name resolved
/// with `uv_getaddrinfo`, never blocking the loop; each address tried in
/// turn) → *connected* → *closed* (by ``close()``, the peer, an error or a
/// framing error). A closed client may ``connect(_:)`` again: the state
/// machine is built for a reconnecting owner (backoff is the owner's policy).
/// Calls made while connecting are queued and sent once connected. When the
/// connection closes, every pending call fails with
/// ``TransportError/connectionClosed`` (or the cause).
///
/// Thread-safety: every public method may be called from any thread; work
/// hops to the loop. Completions run on the loop thread and must not block it.
public final class FrameClient: @unchecked Sendable {
    /// How responses are matched to calls.
    public enum Correlation: Sendable {
        /// The server answers in request order: each response completes the
        /// oldest pending call. (A call that timed out still owns the next
        /// response in line, which is then discarded.)
        case inOrder
        /// Responses carry the id given to ``FrameClient/call(_:id:timeout:_:)``;
        /// the closure reads it from a response payload. A response whose id
        /// matches no pending call goes to the unmatched-frame handler (e.g. a
        /// server's id-0 error response before it closes the connection).
        case byID(@Sendable (UnsafeRawBufferPointer) -> UInt64?)
    }

    /// Client settings.
    public struct Options: Sendable {
        /// Bound on resolving and connecting.
        public var connectTimeout: Duration = .seconds(5)
        /// Default bound on each call; nil = none.
        public var requestTimeout: Duration? = .seconds(30)
        /// Longest accepted response payload.
        public var maxFrameLength: Int = Frame.defaultMaxPayloadLength
        /// How responses are matched to calls.
        public var correlation: Correlation = .inOrder
        /// Makes each connection's byte transform: TLS when set.
        public var transforms: (any ClientByteTransformFactory)? = nil

        public init(
            connectTimeout: Duration = .seconds(5),
            requestTimeout: Duration? = .seconds(30),
            maxFrameLength: Int = Frame.defaultMaxPayloadLength,
            correlation: Correlation = .inOrder
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxFrameLength = maxFrameLength
            self.correlation = correlation
        }
    }

    /// Where the connection stands.
    public enum State: Sendable, Equatable {
        case idle, connecting, connected, closed
    }

    public typealias CallCompletion = @Sendable (Result<[UInt8], Error>) -> Void

    public let loop: EventLoop
    public let host: String
    public let port: Int
    public let options: Options

    private let onUnmatchedFrame: (@Sendable ([UInt8]) -> Void)?
    private let onClose: (@Sendable (Error?) -> Void)?

    // Loop-thread state.
    private var state = State.idle
    private var stream: FrameChannel?
    private var attempt: UInt64 = 0 // bumps on every connect/close; stale callbacks compare it
    private var connectCompletions: [@Sendable (Result<Void, Error>) -> Void] = []
    private var connectTimer: LoopTimer?
    private var addresses: [SocketAddress] = []
    private var lastConnectError: Error?
    private var preconnectOutput: [[UInt8]] = []

    private struct Pending {
        let completion: CallCompletion
        let id: UInt64
        let timeout: Duration?
    }
    private var pending: [UInt64: Pending] = [:] // by sequence number
    private var order: [UInt64] = []             // sequence numbers in send order (.inOrder)
    private var orderHead = 0
    private var sequenceByID: [UInt64: UInt64] = [:] // (.byID)
    private var nextSequence: UInt64 = 1
    private var deadlines = DeadlineHeap()
    private var deadlineTimer: LoopTimer?
    private var armedDeadline: UInt64?

    /// Creates an unconnected client for `host:port` on `loop`.
    /// - Parameters:
    ///   - onUnmatchedFrame: responses that answer no pending call (loop thread).
    ///   - onClose: called when an established connection closes, with the cause (loop thread).
    public init(
        host: String,
        port: Int,
        loop: EventLoop,
        options: Options = Options(),
        onUnmatchedFrame: (@Sendable ([UInt8]) -> Void)? = nil,
        onClose: (@Sendable (Error?) -> Void)? = nil
    ) {
        self.host = host
        self.port = port
        self.loop = loop
        self.options = options
        self.onUnmatchedFrame = onUnmatchedFrame
        self.onClose = onClose
    }

    /// Connects (or reconnects after a close). `completion` runs on the loop
    /// thread once connected or failed; if already connected it succeeds at once.
    public func connect(_ completion: @escaping @Sendable (Result<Void, Error>) -> Void) {
        onLoop { self.startConnect(completion) }
    }

    /// Sends `payload` as one request; `completion` gets the response payload
    /// or an error (timeout, connection closed, …) on the loop thread.
    /// - Parameters:
    ///   - id: the request id inside `payload`, for ``Correlation/byID(_:)``
    ///     (ignored for ``Correlation/inOrder``).
    ///   - timeout: overrides ``Options/requestTimeout`` for this call.
    public func call(_ payload: [UInt8], id: UInt64 = 0, timeout: Duration? = nil, _ completion: @escaping CallCompletion) {
        onLoop { self.startCall(payload, id: id, timeout: timeout ?? self.options.requestTimeout, completion) }
    }

    /// Closes the connection; pending calls fail with ``TransportError/connectionClosed``.
    public func close() {
        onLoop { self.closeNow(error: nil) }
    }

    /// The current state (read on the loop; blocks briefly when called elsewhere).
    public var currentState: State {
        (try? loop.submitAndWait { self.state }) ?? .closed
    }

    /// Calls pending right now (for tests and metrics).
    public var pendingCallCount: Int {
        (try? loop.submitAndWait { self.pending.count }) ?? 0
    }

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }

    private var now: UInt64 { uv_now(loop.uvLoop) }

    // MARK: Connecting

    private func startConnect(_ completion: @escaping @Sendable (Result<Void, Error>) -> Void) {
        switch state {
        case .connected:
            completion(.success(()))
            return
        case .connecting:
            connectCompletions.append(completion)
            return
        case .idle, .closed:
            break
        }
        state = .connecting
        attempt &+= 1
        connectCompletions = [completion]
        lastConnectError = nil
        let timer = connectTimer ?? LoopTimer(on: loop)
        connectTimer = timer
        let thisAttempt = attempt
        timer.setCallback { [unowned self] in
            guard self.attempt == thisAttempt, self.state == .connecting else { return }
            self.failConnect(TransportError.connectTimedOut(host: self.host, port: self.port, after: self.options.connectTimeout))
        }
        timer.start(after: options.connectTimeout)

        if let numeric = SocketAddress(numericHost: host, port: port) {
            addresses = [numeric]
            connectNextAddress()
        } else {
            resolve()
        }
    }

    private final class ResolveContext {
        let client: FrameClient
        let attempt: UInt64
        init(client: FrameClient, attempt: UInt64) { self.client = client; self.attempt = attempt }
    }

    private func resolve() {
        guard (0...65535).contains(port) else {
            failConnect(TransportError.invalidAddress("\(host):\(port)", reason: "port must be in 0...65535"))
            return
        }
        let request = UVHandle.allocate(uv_getaddrinfo_t.self)
        request.pointee.data = Unmanaged.passRetained(ResolveContext(client: self, attempt: attempt)).toOpaque()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG
        let rc = uv_getaddrinfo(loop.uvLoop, request, { request, status, result in
            let context = Unmanaged<ResolveContext>.fromOpaque(request!.pointee.data!).takeRetainedValue()
            free(request)
            defer { if let result { uv_freeaddrinfo(result) } }
            let client = context.client
            guard client.attempt == context.attempt, client.state == .connecting else { return }
            if status < 0 {
                client.failConnect(TransportError.invalidAddress(client.host, reason: String(cString: uv_strerror(status))))
                return
            }
            client.addresses = result.map(SocketAddress.addresses(from:)) ?? []
            if client.addresses.isEmpty {
                client.failConnect(TransportError.invalidAddress(client.host, reason: "no addresses"))
            } else {
                client.connectNextAddress()
            }
        }, host, String(port), &hints)
        if rc < 0 {
            Unmanaged<ResolveContext>.fromOpaque(request.pointee.data!).release()
            free(request)
            failConnect(TransportError.invalidAddress(host, reason: String(cString: uv_strerror(rc))))
        }
    }

    private func connectNextAddress() {
        guard state == .connecting else { return }
        guard !addresses.isEmpty else {
            failConnect(lastConnectError ?? TransportError.invalidAddress(host, reason: "no addresses"))
            return
        }
        let address = addresses.removeFirst()
        let stream: FrameChannel
        do {
            let connection = try StreamConnection(loop: loop)
            if let transforms = options.transforms {
                do {
                    connection.setTransform(try transforms.makeClientTransform(serverName: host))
                } catch {
                    connection.close(error: error)
                    throw error
                }
            }
            stream = FrameChannel(connection: connection, maxPayloadLength: options.maxFrameLength)
        } catch {
            failConnect(error)
            return
        }
        stream.delegate = self
        self.stream = stream
        let rc = stream.connection.connect(to: address) { [weak stream] status in
            guard let stream else { return }
            (stream.delegate as? FrameClient)?.didConnect(stream, status: status)
        }
        if rc < 0 {
            lastConnectError = UVError(code: rc, operation: "connect to \(address)")
            self.stream = nil
            stream.delegate = nil
            stream.close(error: nil)
            connectNextAddress()
        } else {
            lastConnectAddress = address
        }
    }

    private var lastConnectAddress: SocketAddress?

    private func didConnect(_ stream: FrameChannel, status: Int32) {
        guard stream === self.stream, state == .connecting else { return }
        if status < 0 {
            lastConnectError = UVError(code: status, operation: "connect to \(lastConnectAddress.map { "\($0)" } ?? host)")
            self.stream = nil
            stream.delegate = nil
            stream.close(error: nil)
            connectNextAddress()
            return
        }
        state = .connected
        connectTimer?.stop()
        stream.connection.setNoDelay()
        stream.startReading()
        for payload in preconnectOutput { payload.withUnsafeBytes { stream.send($0) } }
        preconnectOutput.removeAll()
        let completions = connectCompletions
        connectCompletions.removeAll()
        for completion in completions { completion(.success(())) }
    }

    private func failConnect(_ error: Error) {
        guard state == .connecting else { return }
        connectTimer?.stop()
        let completions = connectCompletions
        connectCompletions.removeAll()
        if let stream {
            self.stream = nil
            stream.delegate = nil
            stream.close(error: nil)
        }
        state = .closed
        attempt &+= 1
        preconnectOutput.removeAll()
        failAllPending(error)
        for completion in completions { completion(.failure(error)) }
    }

    // MARK: Calls

    private func startCall(_ payload: [UInt8], id: UInt64, timeout: Duration?, _ completion: @escaping CallCompletion) {
        guard state == .connected || state == .connecting else {
            completion(.failure(TransportError.notConnected))
            return
        }
        let sequence = nextSequence
        nextSequence &+= 1
        switch options.correlation {
        case .inOrder:
            order.append(sequence)
        case .byID:
            if sequenceByID[id] != nil {
                completion(.failure(TransportError.duplicateRequestID(id)))
                return
            }
            sequenceByID[id] = sequence
        }
        pending[sequence] = Pending(completion: completion, id: id, timeout: timeout)
        if let timeout {
            deadlines.insert(deadline: now + timeout.milliseconds, key: sequence)
            armDeadlineTimer()
        }
        if state == .connected, let stream {
            payload.withUnsafeBytes { stream.send($0) }
        } else {
            preconnectOutput.append(payload)
        }
    }

    private func armDeadlineTimer() {
        guard let earliest = deadlines.earliest else {
            deadlineTimer?.stop()
            armedDeadline = nil
            return
        }
        if let armedDeadline, armedDeadline <= earliest, deadlineTimer?.isActive == true { return }
        let timer = deadlineTimer ?? LoopTimer(on: loop)
        if deadlineTimer == nil {
            timer.setCallback { [unowned self] in self.expireDeadlines() }
            deadlineTimer = timer
        }
        armedDeadline = earliest
        let current = now
        timer.start(after: .milliseconds(Int64(earliest > current ? earliest - current : 0)))
    }

    private func expireDeadlines() {
        armedDeadline = nil
        let current = now
        while let sequence = deadlines.popExpired(now: current) {
            guard let call = pending.removeValue(forKey: sequence) else { continue }
            if case .byID = options.correlation { sequenceByID.removeValue(forKey: call.id) }
            call.completion(.failure(TransportError.timedOut(after: call.timeout ?? .zero)))
        }
        compactOrder()
        armDeadlineTimer()
    }

    private func compactOrder() {
        if orderHead > 1024 && orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }

    private func failAllPending(_ error: Error) {
        let calls = pending
        pending.removeAll()
        order.removeAll()
        orderHead = 0
        sequenceByID.removeAll()
        deadlines.removeAll()
        deadlineTimer?.stop()
        armedDeadline = nil
        // In sequence order, so callers see failures in the order they called.
        for sequence in calls.keys.sorted() { calls[sequence]!.completion(.failure(error)) }
    }

    private func deliver(_ payload: UnsafeRawBufferPointer) {
        switch options.correlation {
        case .inOrder:
            guard orderHead < order.count else {
                onUnmatchedFrame?(Array(payload))
                return
            }
            let sequence = order[orderHead]
            orderHead += 1
            if orderHead == order.count {
                order.removeAll(keepingCapacity: true)
                orderHead = 0
            }
            // A call that timed out still owned this response: drop it.
            pending.removeValue(forKey: sequence)?.completion(.success(Array(payload)))
        case .byID(let extract):
            guard let id = extract(payload), let sequence = sequenceByID.removeValue(forKey: id),
                  let call = pending.removeValue(forKey: sequence) else {
                onUnmatchedFrame?(Array(payload))
                return
            }
            call.completion(.success(Array(payload)))
        }
    }

    // MARK: Closing

    private func closeNow(error: Error?) {
        switch state {
        case .connecting:
            failConnect(error ?? TransportError.connectionClosed)
        case .connected:
            state = .closed
            attempt &+= 1
            if let stream {
                self.stream = nil
                stream.delegate = nil
                stream.close(error: nil)
            }
            failAllPending(error ?? TransportError.connectionClosed)
            onClose?(error)
        case .idle, .closed:
            break
        }
    }
}

extension FrameClient: FrameChannelDelegate {
    func frameChannel(_ channel: FrameChannel, didReceive payload: UnsafeRawBufferPointer) -> FrameDecoder.Disposition {
        deliver(payload)
        return .proceed
    }

    func frameChannelDidRead(_ channel: FrameChannel) {}

    func frameChannel(_ channel: FrameChannel, didFailFraming error: FrameError) {
        closeNow(error: TransportError.framing(error))
    }

    func frameChannelDidReadEOF(_ channel: FrameChannel) {
        closeNow(error: TransportError.connectionClosed)
    }

    func frameChannelDidWrite(_ channel: FrameChannel) {}

    func frameChannel(_ channel: FrameChannel, didCloseWith error: Error?) {
        guard channel === self.stream else { return }
        closeNow(error: error ?? TransportError.connectionClosed)
    }
}
