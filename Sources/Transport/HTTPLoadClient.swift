import CUV
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client connection on an ``EventLoop`` for load
/// generation: the caller writes complete, pre-built requests (keep-alive,
/// any number pipelined) and learns each response's status code, in order.
/// Bodies are skipped, not copied (``HTTPResponseParser``).
///
/// Lifecycle: create on the loop thread → ``connect(timeout:_:)`` →
/// ``send(_:)`` any number of times → closed by ``close()``, the peer, an
/// error or unparseable input; `onClose` then runs once with the cause (nil
/// for a local ``close()``). Not reconnectable: make a new client.
///
/// Writes are coalesced like ``FrameClient``'s: requests sent in one loop
/// iteration go out in one `uv_try_write` before the loop next waits.
///
/// Thread-safety: loop-thread only (create, call and receive callbacks there).
public final class HTTPLoadClient: UVHandleOwner, LoopFlushable {
    public let loop: EventLoop
    public let host: String
    public let port: Int

    private let onResponse: (Int) -> Void
    private let onClose: (Error?) -> Void
    private var handle: UnsafeMutablePointer<uv_tcp_t>?
    private var parser = HTTPResponseParser()
    private var connected = false
    private var closing = false
    private var closeError: Error?
    private var connectCompletion: ((Result<Void, Error>) -> Void)?
    private var connectTimer: LoopTimer?

    private var output = LoadOutputBytes()
    private var writing = LoadOutputBytes()
    private let writeRequest: UnsafeMutablePointer<uv_write_t>
    private var writeInProgress = false
    var isFlushScheduled = false

    /// Creates an unconnected client. Must be called on `loop`'s thread.
    /// - Parameters:
    ///   - onResponse: the status code of each complete response, in order.
    ///   - onClose: once, when the connection is gone, with the cause.
    public init(host: String, port: Int, loop: EventLoop,
                onResponse: @escaping (Int) -> Void, onClose: @escaping (Error?) -> Void) {
        precondition(loop.inEventLoop, "HTTPLoadClient must be created on its loop's thread")
        self.loop = loop
        self.host = host
        self.port = port
        self.onResponse = onResponse
        self.onClose = onClose
        self.writeRequest = UVHandle.allocate(uv_write_t.self)
    }

    deinit {
        free(writeRequest)
        output.deallocate()
        writing.deallocate()
    }

    /// True once connected and until closed.
    public var isConnected: Bool { connected && !closing }

    /// Connects; `completion` runs on the loop thread. A host name is
    /// resolved with a blocking `getaddrinfo` (a load generator connects
    /// before it measures).
    public func connect(timeout: Duration = .seconds(5), _ completion: @escaping (Result<Void, Error>) -> Void) {
        guard handle == nil, !closing else {
            completion(.failure(TransportError.notConnected))
            return
        }
        let address: SocketAddress
        do {
            guard let first = try SocketAddress.resolveBlocking(host: host, port: port).first else {
                throw TransportError.invalidAddress(host, reason: "no addresses")
            }
            address = first
        } catch {
            completion(.failure(error))
            return
        }
        let handle = UVHandle.allocate(uv_tcp_t.self)
        let rc = uv_tcp_init(loop.uvLoop, handle)
        if rc < 0 {
            UVHandle.freeUninitialised(handle)
            completion(.failure(UVError(code: rc, operation: "uv_tcp_init")))
            return
        }
        UVHandle.setOwner(handle, self)
        self.handle = handle
        connectCompletion = completion
        let timer = LoopTimer(on: loop)
        timer.setCallback { [weak self] in
            guard let self, !self.connected else { return }
            self.fail(TransportError.connectTimedOut(host: self.host, port: self.port, after: timeout))
        }
        timer.start(after: timeout)
        connectTimer = timer

        let request = UVHandle.allocate(uv_connect_t.self)
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let connectRC = address.withSockAddr { sa, _ in
            uv_tcp_connect(request, handle, sa) { request, status in
                let client = Unmanaged<HTTPLoadClient>.fromOpaque(request!.pointee.data!).takeRetainedValue()
                free(request)
                client.didConnect(status: status)
            }
        }
        if connectRC < 0 {
            Unmanaged<HTTPLoadClient>.fromOpaque(request.pointee.data!).release()
            free(request)
            fail(UVError(code: connectRC, operation: "connect to \(address)"))
        }
    }

    private func didConnect(status: Int32) {
        guard !closing, let handle else { return }
        if status < 0 {
            fail(UVError(code: status, operation: "connect to \(host):\(port)"))
            return
        }
        connected = true
        connectTimer?.close()
        connectTimer = nil
        _ = uv_tcp_nodelay(handle, 1)
        let rc = uv_read_start(UVHandle.asStream(handle), { handle, _, buf in
            let client = UVHandle.owner(of: handle!, as: HTTPLoadClient.self)
            buf!.pointee = uv_buf_t(base: client.loop.readBuffer.assumingMemoryBound(to: CChar.self), len: client.loop.readBufferSize)
        }, { stream, nread, buf in
            let client = UVHandle.owner(of: UVHandle.asHandle(stream!), as: HTTPLoadClient.self)
            if nread > 0 {
                client.didRead(UnsafeRawBufferPointer(start: buf!.pointee.base, count: nread))
            } else if nread == Int(UV_EOF.rawValue) {
                client.didReadEOF()
            } else if nread < 0 {
                client.fail(UVError(code: Int32(nread), operation: "read"))
            }
        })
        if rc < 0 {
            fail(UVError(code: rc, operation: "uv_read_start"))
            return
        }
        let completion = connectCompletion
        connectCompletion = nil
        completion?(.success(()))
    }

    /// Queues one complete request (request line, headers, body). Dropped
    /// when not connected.
    public func send(_ request: UnsafeRawBufferPointer) {
        guard isConnected else { return }
        output.append(request)
        loop.scheduleFlush(self)
    }

    /// Closes the connection now; queued output is dropped. Idempotent.
    public func close() {
        fail(nil)
    }

    // MARK: Reading

    private func didRead(_ bytes: UnsafeRawBufferPointer) {
        do {
            try parser.feed(bytes) { status in onResponse(status) }
        } catch {
            fail(error)
        }
    }

    private func didReadEOF() {
        do {
            try parser.finish { status in onResponse(status) }
            fail(TransportError.connectionClosed)
        } catch {
            fail(error)
        }
    }

    // MARK: Writing

    func flushBufferedOutput() {
        guard let handle, !closing, !writeInProgress, !output.isEmpty else { return }
        let stream = UVHandle.asStream(handle)
        var buf = uv_buf_t(base: output.base!.assumingMemoryBound(to: CChar.self), len: output.count)
        let n = Int(uv_try_write(stream, &buf, 1))
        if n == output.count {
            output.removeAll()
            return
        }
        if n < 0 && n != Int(UV_EAGAIN.rawValue) {
            fail(UVError(code: Int32(n), operation: "write"))
            return
        }
        let written = max(n, 0)
        swap(&output, &writing)
        var rest = uv_buf_t(base: (writing.base! + written).assumingMemoryBound(to: CChar.self), len: writing.count - written)
        writeRequest.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        let rc = uv_write(writeRequest, stream, &rest, 1) { request, status in
            let client = Unmanaged<HTTPLoadClient>.fromOpaque(request!.pointee.data!).takeUnretainedValue()
            client.didWrite(status: status)
        }
        if rc < 0 {
            fail(UVError(code: rc, operation: "uv_write"))
            return
        }
        writeInProgress = true
    }

    private func didWrite(status: Int32) {
        writeInProgress = false
        writing.removeAll()
        if status < 0 {
            if status != UV_ECANCELED.rawValue { fail(UVError(code: status, operation: "write")) }
            return
        }
        flushBufferedOutput()
    }

    // MARK: Closing

    private func fail(_ error: Error?) {
        guard !closing else { return }
        closing = true
        closeError = error
        connectTimer?.close()
        connectTimer = nil
        if let completion = connectCompletion {
            connectCompletion = nil
            completion(.failure(error ?? TransportError.connectionClosed))
        }
        if let handle { UVHandle.close(handle) }
    }

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        self.handle = nil
        let wasConnected = connected
        connected = false
        // A failed connect was reported to the connect completion instead.
        if wasConnected { onClose(closeError) }
    }
}

/// A growable byte buffer with a stable base address for `uv_write`
/// (see `OutputBuffer`, which appends frames rather than raw bytes).
private struct LoadOutputBytes {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private var capacity = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let needed = count + bytes.count
        if needed > capacity {
            var newCapacity = Swift.max(capacity * 2, 4096)
            while newCapacity < needed { newCapacity *= 2 }
            guard let grown = realloc(base, newCapacity) else { fatalError("out of memory growing an HTTP output buffer") }
            base = grown
            capacity = newCapacity
        }
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base! + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count = needed
    }

    /// Empties the buffer; memory past 256 KiB is released.
    mutating func removeAll() {
        count = 0
        if capacity > 256 * 1024 { deallocate() }
    }

    mutating func deallocate() {
        free(base)
        base = nil
        count = 0
        capacity = 0
    }
}
