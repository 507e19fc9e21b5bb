import Primitives
import Synchronization

/// One persistent, pipelined connection of a ``FramePool``, on one event
/// loop, that reconnects on its own with ``ReconnectBackoff``.
///
/// Lifecycle: `start()` connects; a failed connect or a closed connection
/// schedules the next attempt after the backoff delay (reset on success);
/// `close()` ends it for good. Thread-safety: `call` and the read-only
/// properties may be used from any thread; the reconnect state machine runs
/// on `loop`.
final class PooledFrameConnection: @unchecked Sendable {
    enum Phase: UInt8 {
        case connecting = 0, connected = 1, waiting = 2, closed = 3
    }

    struct Info: Sendable {
        var consecutiveFailures = 0
        var lastError: String?
        var connects = 0
    }

    let loop: EventLoop
    let host: String
    let port: Int
    private let backoff: ReconnectBackoff
    private let correlation: FrameClient.Correlation
    private let onEvent: (@Sendable (FramePool.Event) -> Void)?
    // Set once in init (its close callback needs `self`), read-only after.
    private var client: FrameClient!
    private let phaseValue = Atomic<UInt8>(Phase.connecting.rawValue)
    private let info = Locked(Info())

    init(host: String, port: Int, loop: EventLoop, backoff: ReconnectBackoff, connectTimeout: Duration,
         correlation: FrameClient.Correlation, transforms: (any ClientByteTransformFactory)?,
         onEvent: (@Sendable (FramePool.Event) -> Void)?) {
        self.loop = loop
        self.host = host
        self.port = port
        self.backoff = backoff
        self.correlation = correlation
        self.onEvent = onEvent
        var options = FrameClient.Options(connectTimeout: connectTimeout, requestTimeout: nil, correlation: correlation)
        options.transforms = transforms
        client = FrameClient(host: host, port: port, loop: loop, options: options,
                             onUnmatchedFrame: nil,
                             onClose: { [weak self] error in self?.didClose(error) })
    }

    var phase: Phase { Phase(rawValue: phaseValue.load(ordering: .acquiring)) ?? .closed }

    /// Whether calls sent now go out (at once, or once the connect completes).
    var acceptsCalls: Bool {
        let p = phase
        return p == .connected || p == .connecting
    }

    var snapshot: Info { info.withLock { $0 } }

    /// Starts connecting.
    func start() {
        loop.execute { [self] in connectNow() }
    }

    /// Sends one request payload (its id is `id`) and reports the response
    /// payload or the transport error, on the loop thread.
    func call(_ payload: [UInt8], id: UInt64, timeout: Duration?,
              _ completion: @escaping @Sendable (Result<[UInt8], Error>) -> Void) {
        client.call(payload, id: id, timeout: timeout, completion)
    }

    /// Closes the connection for good; pending calls fail.
    func close() {
        phaseValue.store(Phase.closed.rawValue, ordering: .releasing)
        client.close()
    }

    // MARK: Loop thread

    private func connectNow() {
        guard phase != .closed else { return }
        phaseValue.store(Phase.connecting.rawValue, ordering: .releasing)
        client.connect { [weak self] result in
            guard let self else { return }
            switch result {
            case .success:
                guard self.phase != .closed else { self.client.close(); return }
                self.phaseValue.store(Phase.connected.rawValue, ordering: .releasing)
                let hadFailures = self.info.withLock { info -> Int in
                    defer { info.consecutiveFailures = 0; info.connects += 1 }
                    return info.consecutiveFailures
                }
                if hadFailures > 0 { self.onEvent?(.recovered(host: self.host, port: self.port, afterFailures: hadFailures)) }
            case .failure(let error):
                self.failed("\(error)")
            }
        }
    }

    private func didClose(_ error: Error?) {
        failed(error.map { "connection lost: \($0)" } ?? "connection closed")
    }

    private func failed(_ message: String) {
        guard phase != .closed else { return }
        phaseValue.store(Phase.waiting.rawValue, ordering: .releasing)
        let failures = info.withLock { info -> Int in
            info.consecutiveFailures += 1
            info.lastError = message
            return info.consecutiveFailures
        }
        if failures == 1 { onEvent?(.failing(host: host, port: port, message)) }
        loop.schedule(after: backoff.delay(afterFailures: failures)) { [weak self] in self?.connectNow() }
    }
}
