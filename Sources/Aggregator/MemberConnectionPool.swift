import Primitives
import Logging
import Transport
import Wire

/// A fixed number of persistent connections to one member endpoint, spread
/// over the server's event loops. Calls are pipelined (many in flight per
/// connection, matched by request id), so the pool never grows: the member
/// sees at most `size` connections from this process.
///
/// Lifecycle: connections start connecting at creation and reconnect with
/// backoff on their own; `close()` ends them. Thread-safety: every method may
/// be called from any thread.
public final class MemberConnectionPool: Sendable {
    public let endpoint: Endpoint
    let pool: FramePool
    /// Sent as `auth_token` with every call to the member (`--member-token`); nil sends none.
    let token: String?

    /// Opens `size` connections to `endpoint`, the i-th on loop `i % loops.count`
    /// (over TLS when `transforms` is set).
    public init(endpoint: Endpoint, size: Int, loops: [EventLoop], backoff: ReconnectBackoff = ReconnectBackoff(),
                connectTimeout: Duration = .seconds(2), transforms: (any ClientByteTransformFactory)? = nil,
                token: String? = nil, logger: Logger) {
        self.endpoint = endpoint
        self.token = token
        pool = FramePool(host: endpoint.host, port: endpoint.port, size: size, loops: loops,
                         correlation: .byID(EnvelopeID.peek), backoff: backoff, connectTimeout: connectTimeout,
                         transforms: transforms) { event in
            switch event {
            case .failing(_, _, let message):
                logger.warning("fan-out member \(endpoint): \(message); reconnecting with backoff")
            case .recovered(_, _, let failures):
                logger.info("fan-out member \(endpoint) connected again after \(failures) failed attempt(s)")
            }
        }
    }

    /// Connections in the pool.
    public var size: Int { pool.size }

    /// Sends one Predict to the member and reports its decoded response (or
    /// why there is none) on a loop thread. `timeout` bounds the wait; the
    /// member is told the same budget as its `timeout_ms`.
    public func predict(_ request: PredictRequest, timeout: Duration,
                        completion: @escaping @Sendable (Result<PredictResponse, MemberCallError>) -> Void) {
        call(.predict(request), timeout: timeout) { result in
            completion(result.flatMap { answer in
                if case .predict(let p) = answer { return .success(p) }
                return .failure(.protocolViolation("answered predict with another result"))
            })
        }
    }

    /// Sends one call to the member and reports the result of an OK answer,
    /// or why there is none, on a loop thread.
    public func call(_ call: Request.Call, timeout: Duration,
                     completion: @escaping @Sendable (Result<Response.CallResult, MemberCallError>) -> Void) {
        let id = pool.nextID()
        let ms = max(1, timeout.milliseconds)
        var payload: [UInt8] = []
        ProtobufCodec.encode(Request(id: id, call: call, timeoutMs: UInt32(clamping: ms), authToken: token), into: &payload)
        pool.call(payload, id: id, timeout: timeout) { result in
            switch result {
            case .success(let bytes):
                switch bytes.withUnsafeBytes({ ProtobufCodec.decodeResponse($0) }) {
                case .success(let response):
                    if !response.status.isOK {
                        completion(.failure(.status(response.status)))
                    } else if let answer = response.result {
                        completion(.success(answer))
                    } else {
                        completion(.failure(.protocolViolation("OK response without a result")))
                    }
                case .failure(let error):
                    completion(.failure(.protocolViolation("undecodable response: \(error.message)")))
                }
            case .failure(let error):
                if case TransportError.timedOut = error {
                    completion(.failure(.timedOut(timeout)))
                } else if let unreachable = error as? FramePool.Unreachable {
                    completion(.failure(.unreachable("\(unreachable)")))
                } else {
                    completion(.failure(.unreachable("\(error)")))
                }
            }
        }
    }

    /// Connections open right now.
    public var connectedCount: Int { pool.connectedCount }

    /// The most recent connection error, if any connection is down.
    public var lastError: String? { pool.lastError }

    /// Closes every connection; calls in flight fail.
    public func close() { pool.close() }
}

/// Why a member produced no answer.
public enum MemberCallError: Error, Sendable, CustomStringConvertible {
    /// No connection, connection refused or lost.
    case unreachable(String)
    /// No answer within the member's (or the caller's) time budget.
    case timedOut(Duration)
    /// The member answered with a non-OK status.
    case status(Status)
    /// The member answered something that is not a Predict response.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .unreachable(let why): return why
        case .timedOut(let after):
            return "no answer within \(after.milliseconds) ms"
        case .status(let s): return "\(s.code): \(s.message)"
        case .protocolViolation(let why): return why
        }
    }
}
