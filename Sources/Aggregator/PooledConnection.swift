import Logging
import Synchronization
import Transport
import Wire

/// One persistent, pipelined connection of a `MemberConnectionPool`, on one
/// event loop, that reconnects on its own with `ReconnectBackoff`.
///
/// Lifecycle: `start()` connects; a failed connect or a closed connection
/// schedules the next attempt after the backoff delay (reset on success);
/// `close()` ends it for good. Thread-safety: `call` and the read-only
/// properties may be used from any thread; the reconnect state machine runs
/// on `loop`.
final class PooledConnection: @unchecked Sendable {
    enum Phase: UInt8 {
        case connecting = 0, connected = 1, waiting = 2, closed = 3
    }

    struct Info: Sendable {
        var consecutiveFailures = 0
        var lastError: String?
        var connects = 0
    }

    let loop: EventLoop
    let endpoint: Endpoint
    private let backoff: ReconnectBackoff
    private let logger: Logger
    // Set once in init (its close callback needs `self`), read-only after.
    private var client: FrameClient!
    private let phaseValue = Atomic<UInt8>(Phase.connecting.rawValue)
    private let info = Mutex(Info())

    init(endpoint: Endpoint, loop: EventLoop, backoff: ReconnectBackoff, connectTimeout: Duration, logger: Logger) {
        self.loop = loop
        self.endpoint = endpoint
        self.backoff = backoff
        self.logger = logger
        let options = FrameClient.Options(connectTimeout: connectTimeout, requestTimeout: nil,
                                          correlation: .byID(EnvelopeID.peek))
        client = FrameClient(host: endpoint.host, port: endpoint.port, loop: loop, options: options,
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
    func call(_ payload: [UInt8], id: UInt64, timeout: Duration,
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
                if hadFailures > 0 {
                    self.logger.info("fan-out member \(self.endpoint) connected again after \(hadFailures) failed attempt(s)")
                }
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
        if failures == 1 {
            logger.warning("fan-out member \(endpoint): \(message); reconnecting with backoff")
        }
        loop.schedule(after: backoff.delay(afterFailures: failures)) { [weak self] in self?.connectNow() }
    }
}
