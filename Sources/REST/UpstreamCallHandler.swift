import Primitives
import Transport
import Wire

/// A ``CallHandler`` that forwards each call over the binary protocol to a
/// `swerve serve` (for `swerve rest --upstream HOST:PORT`).
///
/// Pool: a ``FramePool`` of `connectionsPerLoop` persistent connections per
/// loop of the group, preferring the calling loop's own (so a REST request
/// and its upstream call stay on one thread: no hop, no lock). Calls on one
/// connection are pipelined and matched to responses by request id; a lost
/// connection reconnects with backoff.
///
/// Errors: an unreachable upstream is UNAVAILABLE (503), a call that outlives
/// `requestTimeout` (or its own deadline) DEADLINE_EXCEEDED (504).
public final class UpstreamCallHandler: CallHandler, @unchecked Sendable {
    public let host: String
    public let port: Int
    private let requestTimeout: Duration
    private let pool: FramePool
    /// Replaces the caller's token on every forwarded call; nil forwards the caller's own.
    private let token: String?

    /// - Parameters:
    ///   - requestTimeout: bound on a call without its own deadline.
    ///   - transforms: TLS to the upstream (`--upstream-tls-ca`); nil = plain.
    ///   - token: sent upstream instead of the caller's token (`--upstream-token`); nil forwards the caller's.
    public init(host: String, port: Int, group: EventLoopGroup, connectionsPerLoop: Int = 2,
                requestTimeout: Duration = .seconds(30), transforms: (any ClientByteTransformFactory)? = nil,
                token: String? = nil) {
        self.host = host
        self.token = token
        self.port = port
        self.requestTimeout = requestTimeout
        pool = FramePool(host: host, port: port, size: group.loops.count * max(1, connectionsPerLoop), loops: group.loops,
                         correlation: .byID(EnvelopeID.peek), connectTimeout: .seconds(5), transforms: transforms)
    }

    /// Closes every pooled connection.
    public func close() {
        pool.close()
    }

    public func handle(_ request: Request, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Response) -> Void) {
        var request = request
        request.id = pool.nextID()
        if let token { request.authToken = token }
        if let deadline {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                return completion(.failure(id: request.id, WireError(.deadlineExceeded, "\(request.call.name): the deadline passed before the call was sent")))
            }
            request.timeoutMs = UInt32(clamping: max(1, remaining.milliseconds))
        }
        var encoded: [UInt8] = []
        ProtobufCodec.encode(request, into: &encoded)
        let payload = encoded
        let id = request.id
        let name = request.call.name
        let target = "\(host):\(port)"
        let timeout: Duration? = request.timeoutMs > 0 ? .milliseconds(Int64(request.timeoutMs) + 1000) : requestTimeout
        pool.call(payload, id: id, timeout: timeout) { result in
            switch result {
            case .success(let bytes):
                let decoded = bytes.withUnsafeBytes { ProtobufCodec.decodeResponse($0) }
                switch decoded {
                case .success(let response): completion(response)
                case .failure(let error): completion(.failure(id: id, WireError(.internal, "\(name): undecodable answer from upstream \(target): \(error.message)")))
                }
            case .failure(let error):
                if case TransportError.timedOut = error {
                    completion(.failure(id: id, WireError(.deadlineExceeded, "\(name): upstream \(target) did not answer in time")))
                } else if error is FramePool.Unreachable {
                    completion(.failure(id: id, WireError(.unavailable, "\(name): upstream \(target) is unreachable: \(error)")))
                } else {
                    completion(.failure(id: id, WireError(.unavailable, "\(name): upstream \(target) failed: \(error)")))
                }
            }
        }
    }
}
