import TLS
import Transport
import Wire

/// A client that keeps up to `window` calls in flight on one connection:
/// for bulk Submit/GetJob (tests, benchmarks, loaders). Answers may come
/// back out of order; they are matched by request id.
///
/// Thread-safety: not thread-safe; use from one thread at a time.
public final class SwervePipelinedClient {
    public let address: ServerAddress
    private let connection: BlockingFrameClient
    private var nextID: UInt64 = 1

    /// - Parameter tls: speak TLS, checking the server's certificate against `address.host`; nil = plain text.
    public init(address: ServerAddress, connectTimeout: Duration = .seconds(5),
                callTimeout: Duration? = .seconds(30), tls: TLSClientContext? = nil) throws {
        self.address = address
        do {
            connection = try BlockingFrameClient(host: address.host, port: address.port,
                                                 connectTimeout: connectTimeout, ioTimeout: callTimeout,
                                                 transform: tls?.makeTransform(serverName: address.host))
        } catch {
            throw SwerveClientError.transport("cannot connect to \(address): \(error)")
        }
    }

    public func close() { connection.close() }

    /// Sends every call, at most `window` unanswered at a time, and returns
    /// their results in the order of `calls`. A non-OK answer is a
    /// `.failure(.status(...))` in its slot; a transport error throws.
    public func callAll(_ calls: [Request.Call], window: Int = 64,
                        onAnswer: ((Int, Result<Response.CallResult, SwerveClientError>) -> Void)? = nil) throws
        -> [Result<Response.CallResult, SwerveClientError>] {
        var results = [Result<Response.CallResult, SwerveClientError>?](repeating: nil, count: calls.count)
        var slotOfID: [UInt64: Int] = [:]
        var sent = 0
        var answered = 0
        let window = max(1, window)
        var frames: [[UInt8]] = []
        while answered < calls.count {
            frames.removeAll(keepingCapacity: true)
            while sent < calls.count && sent - answered < window {
                let id = nextID
                nextID &+= 1
                var bytes: [UInt8] = []
                ProtobufCodec.encode(Request(id: id, call: calls[sent]), into: &bytes)
                frames.append(bytes)
                slotOfID[id] = sent
                sent += 1
            }
            if !frames.isEmpty {
                do { try connection.send(frames: frames) } catch {
                    throw SwerveClientError.transport("\(address): \(error)")
                }
            }
            let payload: [UInt8]
            do { payload = try connection.receive() } catch {
                throw SwerveClientError.transport("\(address): \(error)")
            }
            let response: Response
            switch payload.withUnsafeBytes({ ProtobufCodec.decodeResponse($0) }) {
            case .success(let r): response = r
            case .failure(let e): throw SwerveClientError.protocolViolation("undecodable response: \(e.message)")
            }
            guard let slot = slotOfID.removeValue(forKey: response.id) else {
                throw SwerveClientError.protocolViolation("response id \(response.id) matches no request in flight")
            }
            let result: Result<Response.CallResult, SwerveClientError>
            if !response.status.isOK {
                result = .failure(.status(response.status))
            } else if let r = response.result {
                result = .success(r)
            } else {
                result = .failure(.protocolViolation("OK response without a result"))
            }
            results[slot] = result
            onAnswer?(slot, result)
            answered += 1
        }
        return results.map { $0! }
    }
}
