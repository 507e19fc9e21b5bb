import REST
import Transport

/// A minimal HTTP/1.1 client for load generation, as a handler on a
/// ``StreamConnection``: the caller writes complete, pre-built requests
/// (keep-alive, any number pipelined) and learns each response's status code,
/// in order. Bodies are skipped, not copied (``HTTPResponseParser``).
///
/// Lifecycle: create on the loop thread → ``connect(timeout:_:)`` →
/// ``send(_:)`` any number of times → closed by ``close()``, the peer, an
/// error or unparseable input; `onClose` then runs once with the cause (nil
/// for a local ``close()``). Not reconnectable: a load generator must count a
/// lost connection, not hide it; make a new client.
///
/// Thread-safety: loop-thread only (create, call and receive callbacks there).
final class HTTPLoadClient: StreamHandler {
    let loop: EventLoop
    let host: String
    let port: Int

    private let onResponse: (Int) -> Void
    private let onClose: (Error?) -> Void
    private var connection: StreamConnection?
    private let parser = HTTPResponseParser()
    private var closing = false
    private let tls: (any ClientByteTransformFactory)?

    /// Creates an unconnected client. Must be called on `loop`'s thread.
    /// - Parameters:
    ///   - onResponse: the status code of each complete response, in order.
    ///   - onClose: once, when an established connection is gone, with the cause.
    init(host: String, port: Int, loop: EventLoop, tls: (any ClientByteTransformFactory)? = nil,
         onResponse: @escaping (Int) -> Void, onClose: @escaping (Error?) -> Void) {
        self.tls = tls
        precondition(loop.inEventLoop, "HTTPLoadClient must be created on its loop's thread")
        self.loop = loop
        self.host = host
        self.port = port
        self.onResponse = onResponse
        self.onClose = onClose
    }

    /// True once connected and until closed.
    var isConnected: Bool { connection?.isOpen == true && !closing }

    /// Connects; `completion` runs on the loop thread.
    func connect(timeout: Duration = .seconds(5), _ completion: @escaping (Result<Void, Error>) -> Void) {
        guard connection == nil, !closing else {
            completion(.failure(TransportError.notConnected))
            return
        }
        let transform: ByteTransform?
        do {
            transform = try tls?.makeClientTransform(serverName: host)
        } catch {
            completion(.failure(error))
            return
        }
        StreamConnection.connect(host: host, port: port, on: loop, timeout: timeout, handler: self, transform: transform) { [weak self] result in
            switch result {
            case .success(let connection):
                guard let self, !self.closing else {
                    connection.close()
                    completion(.failure(TransportError.connectionClosed))
                    return
                }
                self.connection = connection
                completion(.success(()))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// Queues one complete request (request line, headers, body). Dropped
    /// when not connected.
    func send(_ request: UnsafeRawBufferPointer) {
        guard isConnected else { return }
        connection?.write(request)
    }

    /// Closes the connection now; queued output is dropped. Idempotent.
    func close() {
        fail(nil)
    }

    private func fail(_ error: Error?) {
        guard !closing else { return }
        closing = true
        if let connection {
            connection.close(error: error)
        }
    }

    // MARK: StreamHandler

    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        do {
            try parser.feed(bytes) { status in onResponse(status) }
        } catch {
            fail(error)
        }
    }

    func streamDidReadEOF(_ connection: StreamConnection) {
        do {
            try parser.finish { status in onResponse(status) }
            fail(TransportError.connectionClosed)
        } catch {
            fail(error)
        }
    }

    func streamDidWrite(_ connection: StreamConnection) {}

    func streamDidClose(_ connection: StreamConnection) {
        // A failed connect was reported to the connect completion instead.
        guard self.connection === connection else { return }
        self.connection = nil
        closing = true
        onClose(connection.closeError)
    }
}
