import Synchronization

/// A fixed number of persistent, pipelined, reconnecting ``FrameClient``
/// connections to one server, spread over event loops: the one connection
/// pool of the REST upstream mode and the aggregator's members. Calls are
/// pipelined (many in flight per connection, matched by id with the pool's
/// correlation), so the pool never grows: the server sees at most `size`
/// connections from this process. Knows frames and ids, not messages.
///
/// Lifecycle: connections start connecting at creation and reconnect with
/// ``ReconnectBackoff`` on their own; ``close()`` ends them. Thread-safety:
/// every method may be called from any thread.
public final class FramePool: Sendable {
    /// A change worth a log line (reported on a loop thread).
    public enum Event: Sendable {
        /// A connection failed for the first time after working (or never connected).
        case failing(host: String, port: Int, String)
        /// A connection is back after `afterFailures` failed attempts.
        case recovered(host: String, port: Int, afterFailures: Int)
    }

    public let host: String
    public let port: Int
    let connections: [PooledFrameConnection]
    private let cursor = Atomic<Int>(0)
    private let ids = Atomic<UInt64>(1)

    /// Opens `size` connections to `host:port`, the i-th on loop `i % loops.count`.
    /// - Parameters:
    ///   - correlation: how responses find their calls (``FrameClient/Correlation/byID(_:)`` for pipelining out of order).
    ///   - transforms: makes each connection's byte transform (TLS); nil = plain.
    public init(host: String, port: Int, size: Int, loops: [EventLoop], correlation: FrameClient.Correlation,
                backoff: ReconnectBackoff = ReconnectBackoff(), connectTimeout: Duration = .seconds(2),
                transforms: (any ClientByteTransformFactory)? = nil,
                onEvent: (@Sendable (Event) -> Void)? = nil) {
        precondition(size >= 1 && !loops.isEmpty, "a pool needs at least one connection and one loop")
        self.host = host
        self.port = port
        connections = (0..<size).map { i in
            PooledFrameConnection(host: host, port: port, loop: loops[i % loops.count], backoff: backoff,
                                  connectTimeout: connectTimeout, correlation: correlation, transforms: transforms,
                                  onEvent: onEvent)
        }
        for connection in connections { connection.start() }
    }

    /// Connections in the pool.
    public var size: Int { connections.count }

    /// A fresh request id for ``call(_:id:timeout:_:)`` (unique within this pool).
    public func nextID() -> UInt64 { ids.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Sends one request `payload` (whose id is `id`) and reports the response
    /// payload, or why there is none, on a loop thread. With no connection
    /// up, fails at once with ``TransportError/notConnected``-like
    /// ``FramePool/Unreachable`` naming the last connection error.
    public func call(_ payload: [UInt8], id: UInt64, timeout: Duration?,
                     _ completion: @escaping @Sendable (Result<[UInt8], Error>) -> Void) {
        guard let connection = pick() else {
            return completion(.failure(Unreachable(reason: lastError ?? "not connected")))
        }
        connection.call(payload, id: id, timeout: timeout, completion)
    }

    /// No connection of the pool is up or connecting.
    public struct Unreachable: Error, Sendable, CustomStringConvertible {
        /// The most recent connection error.
        public let reason: String
        public var description: String { "not connected (\(reason)); reconnecting" }
    }

    /// A connection that takes calls: connected ones first, preferring the
    /// caller's own loop (no hop between threads), then ones still connecting.
    private func pick() -> PooledFrameConnection? {
        let start = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
        let n = connections.count
        var fallback: PooledFrameConnection?
        var connecting: PooledFrameConnection?
        for k in 0..<n {
            let c = connections[(start &+ k) % n]
            switch c.phase {
            case .connected:
                if c.loop.inEventLoop { return c }
                if fallback == nil { fallback = c }
            case .connecting:
                if connecting == nil { connecting = c }
            case .waiting, .closed:
                break
            }
        }
        return fallback ?? connecting
    }

    /// Connections open right now.
    public var connectedCount: Int { connections.filter { $0.phase == .connected }.count }

    /// The most recent connection error, if any connection is down.
    public var lastError: String? {
        connections.lazy.filter { $0.phase != .connected }.compactMap { $0.snapshot.lastError }.first
    }

    /// Closes every connection; calls in flight fail.
    public func close() {
        for connection in connections { connection.close() }
    }
}
