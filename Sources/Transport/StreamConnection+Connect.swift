import CUV
#if canImport(Glibc)
import Glibc
#endif

extension StreamConnection {
    private final class ConnectContext {
        let connection: StreamConnection
        let completion: (Int32) -> Void
        init(_ connection: StreamConnection, _ completion: @escaping (Int32) -> Void) {
            self.connection = connection
            self.completion = completion
        }
    }

    /// Starts connecting to `address`; `completion` gets libuv's status (0 or
    /// a negative error) on the loop thread, also when the connection is
    /// closed first (`UV_ECANCELED`). Returns a negative code when the
    /// attempt could not even start (then `completion` is not called).
    func connect(to address: SocketAddress, _ completion: @escaping (Int32) -> Void) -> Int32 {
        guard let handle else { return UV_EBADF.rawValue }
        let request = UVHandle.allocate(uv_connect_t.self)
        // The request keeps the connection alive until its callback (which
        // libuv runs even when the handle is closed first, with ECANCELED).
        request.pointee.data = Unmanaged.passRetained(ConnectContext(self, completion)).toOpaque()
        let rc = address.withSockAddr { sa, _ in
            uv_tcp_connect(request, handle, sa) { request, status in
                let context = Unmanaged<ConnectContext>.fromOpaque(request!.pointee.data!).takeRetainedValue()
                free(request)
                context.completion(status)
            }
        }
        if rc < 0 {
            Unmanaged<ConnectContext>.fromOpaque(request.pointee.data!).release()
            free(request)
        }
        return rc
    }

    /// Connects a new connection to `host:port` with `handler` (a host name is
    /// resolved with a blocking `getaddrinfo`: for callers that connect before
    /// they measure, like a load generator; servers' clients use
    /// ``FrameClient``, which resolves without blocking the loop). On success
    /// the connection reads into `handler`; `completion` runs on the loop thread.
    /// A `transform` (a TLS client session) sits between socket and handler.
    /// Loop thread only.
    public static func connect(host: String, port: Int, on loop: EventLoop, timeout: Duration = .seconds(5),
                               handler: StreamHandler, transform: ByteTransform? = nil,
                               _ completion: @escaping (Result<StreamConnection, Error>) -> Void) {
        let connection: StreamConnection
        let address: SocketAddress
        do {
            guard let first = try SocketAddress.resolveBlocking(host: host, port: port).first else {
                throw TransportError.invalidAddress(host, reason: "no addresses")
            }
            address = first
            connection = try StreamConnection(loop: loop)
        } catch {
            completion(.failure(error))
            return
        }
        connection.setHandler(handler)
        connection.setTransform(transform)
        var finished = false
        let timer = LoopTimer(on: loop)
        let finish: (Result<StreamConnection, Error>) -> Void = { result in
            guard !finished else { return }
            finished = true
            timer.setCallback {} // the callback holds this closure, which holds the timer
            timer.close()
            if case .failure(let error) = result { connection.close(error: error) }
            completion(result)
        }
        timer.setCallback { finish(.failure(TransportError.connectTimedOut(host: host, port: port, after: timeout))) }
        timer.start(after: timeout)
        let rc = connection.connect(to: address) { status in
            if status < 0 {
                finish(.failure(UVError(code: status, operation: "connect to \(host):\(port)")))
                return
            }
            connection.setNoDelay()
            connection.startReading()
            finish(.success(connection))
        }
        if rc < 0 { finish(.failure(UVError(code: rc, operation: "connect to \(address)"))) }
    }
}
