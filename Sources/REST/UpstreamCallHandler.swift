import Synchronization
import Transport
import Wire

/// A ``CallHandler`` that forwards each call over the binary protocol to a
/// `swerve serve` (for `swerve rest --upstream HOST:PORT`).
///
/// Pool: `connectionsPerLoop` persistent ``FrameClient`` connections on each
/// loop of the group, picked round-robin among the calling loop's own (so a
/// REST request and its upstream call stay on one thread: no hop, no lock);
/// calls from other threads use the first loop's. Calls on one connection
/// are pipelined and matched to responses by request id. A closed connection
/// reconnects on its next call.
///
/// Errors: an unreachable upstream is UNAVAILABLE (503), a call that outlives
/// `requestTimeout` (or its own deadline) DEADLINE_EXCEEDED (504).
public final class UpstreamCallHandler: CallHandler, @unchecked Sendable {
    public let host: String
    public let port: Int
    private let group: EventLoopGroup
    private let clients: [[FrameClient]] // by loop
    private let nextID = Atomic<UInt64>(1)
    private let cursor = Atomic<Int>(0)

    /// - Parameters:
    ///   - requestTimeout: bound on a call without its own deadline.
    public init(host: String, port: Int, group: EventLoopGroup, connectionsPerLoop: Int = 2,
                requestTimeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.group = group
        let options = FrameClient.Options(connectTimeout: .seconds(5), requestTimeout: requestTimeout,
                                          correlation: .byID(EnvelopeID.peek))
        clients = group.loops.map { loop in
            (0..<max(1, connectionsPerLoop)).map { _ in FrameClient(host: host, port: port, loop: loop, options: options) }
        }
    }

    /// Closes every pooled connection.
    public func close() {
        for loopClients in clients { for c in loopClients { c.close() } }
    }

    public func handle(_ request: Request, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Response) -> Void) {
        var request = request
        request.id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        if let deadline {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                return completion(.failure(id: request.id, WireError(.deadlineExceeded, "\(request.call.name): the deadline passed before the call was sent")))
            }
            let ms = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
            request.timeoutMs = UInt32(clamping: max(1, ms))
        }
        var encoded: [UInt8] = []
        ProtobufCodec.encode(request, into: &encoded)
        let payload = encoded
        let loopIndex = group.loops.firstIndex { $0.inEventLoop } ?? 0
        let pool = clients[loopIndex]
        let client = pool[cursor.wrappingAdd(1, ordering: .relaxed).oldValue % pool.count]
        let id = request.id
        let name = request.call.name
        let target = "\(host):\(port)"
        let timeout: Duration? = request.timeoutMs > 0 ? .milliseconds(Int64(request.timeoutMs) + 1000) : nil
        client.connect { result in
            if case .failure(let error) = result {
                return completion(.failure(id: id, WireError(.unavailable, "\(name): upstream \(target) is unreachable: \(error)")))
            }
            client.call(payload, id: id, timeout: timeout) { result in
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
                    } else {
                        completion(.failure(id: id, WireError(.unavailable, "\(name): upstream \(target) failed: \(error)")))
                    }
                }
            }
        }
    }
}
