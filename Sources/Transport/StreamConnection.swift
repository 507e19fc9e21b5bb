import CUV
#if canImport(Glibc)
import Glibc
#endif

/// The protocol logic on one ``StreamConnection``: swerve framing
/// (``FrameChannel``), HTTP/1.1 (the REST adapter), a load generator's client,
/// or a ``ProtocolSelector`` that picks one of those from the first bytes.
/// Every method runs on the connection's loop thread.
public protocol StreamHandler: AnyObject {
    /// Bytes read from the peer, after the connection's ``ByteTransform`` if it
    /// has one (valid only during the call).
    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer)
    /// The peer closed its sending side.
    func streamDidReadEOF(_ connection: StreamConnection)
    /// Queued output went down (bytes reached the kernel); a handler that
    /// stopped reading for backpressure resumes here.
    func streamDidWrite(_ connection: StreamConnection)
    /// Periodic check (every ``StreamServer/Options/sweepInterval``) for the
    /// handler's own timeouts; `now` is the loop's millisecond clock.
    func streamSweep(_ connection: StreamConnection, now: UInt64)
    /// The server is shutting down: finish what is in flight, then call
    /// ``StreamConnection/closeGracefully()``.
    func streamServerWillShutDown(_ connection: StreamConnection)
    /// The connection is closed (``StreamConnection/closeError`` says why);
    /// no more calls follow.
    func streamDidClose(_ connection: StreamConnection)
}

extension StreamHandler {
    public func streamSweep(_ connection: StreamConnection, now: UInt64) {}
    public func streamServerWillShutDown(_ connection: StreamConnection) { connection.closeGracefully() }
}

/// Told when a server-side connection closes, so the server's bookkeeping
/// (open count, drain on shutdown) stays right. Loop-thread only.
protocol StreamConnectionOwner: AnyObject {
    func connectionDidClose(_ connection: StreamConnection)
}

/// One TCP connection on an ``EventLoop``: the one read path, the one write
/// path and the one close sequence of every protocol swerve speaks, server
/// and client side. A ``StreamHandler`` gives the bytes a meaning; an optional
/// ``ByteTransform`` sits between the socket and the handler (TLS).
/// Loop-thread only (use ``loop`` to hop there).
///
/// Reads land in the loop's shared read buffer and are handed to the handler
/// synchronously (no copy, no allocation per read).
///
/// Writes: ``write(_:)`` appends to an output buffer that is flushed once per
/// loop iteration, just before the loop waits for I/O (one `uv_try_write`,
/// or one `uv_write` for what the socket does not take at once), so the
/// responses to a batch of pipelined requests go out in one system call. At
/// most one `uv_write` is outstanding; output gathers meanwhile for the next.
///
/// Closing: ``closeGracefully()`` flushes, sends a FIN, keeps reading
/// (discarding) until the peer's FIN so unread input does not turn into a
/// reset that could destroy the last response, and closes when the peer's FIN
/// arrives or at ``closeDeadline`` (enforced by the owner's sweep).
/// ``close(error:)`` closes at once.
///
/// Memory: retained by its handle's `data`, released in the close callback
/// (write, shutdown and connect callbacks, which libuv runs before the close
/// callback, use an unretained reference or their own retain).
public final class StreamConnection: UVHandleOwner, LoopFlushable, @unchecked Sendable {
    /// The loop this connection lives on.
    public let loop: EventLoop
    /// The protocol handler; cleared once closed.
    public private(set) var handler: StreamHandler?
    /// Transforms bytes between the socket and the handler (TLS); nil = plain.
    public private(set) var transform: ByteTransform?
    var owner: StreamConnectionOwner?
    /// The close timeout `closeGracefully()` applies by default (ms); set by a server.
    var closeTimeoutMilliseconds: UInt64?
    var isFlushScheduled = false
    /// Position in the owner's connection list (O(1) removal).
    var index = -1
    /// The remote host this connection counts against in a server's
    /// per-address limit; nil when none applies.
    var countedHost: String?

    private(set) var handle: UnsafeMutablePointer<uv_tcp_t>?
    private var output = OutputBuffer()
    private var writing = OutputBuffer()
    // With a transform: the handler's plain bytes, gathered until the flush
    // hands them to the transform in one piece (one TLS record per loop
    // iteration rather than one per write).
    private var plain = OutputBuffer()
    private let writeRequest: UnsafeMutablePointer<uv_write_t>
    private var writeInProgress = false
    /// Reading as the handler wants it (false after ``stopReading()``).
    public private(set) var isReading = false
    private var isClosing = false
    /// The peer closed its sending side.
    public private(set) var readEOF = false
    /// Read input but deliver none of it (a connection that is closing keeps
    /// reading so the peer's FIN is seen, and so closing does not answer
    /// unread input with a reset that could destroy the last response).
    public var discardsInput = false
    private var shutdownRequested = false
    private var shutdownIssued = false
    /// `uv_now` after which the owner's sweep closes a gracefully closing connection.
    public internal(set) var closeDeadline: UInt64?
    /// Why the connection closed (nil for a local close or a clean end).
    public private(set) var closeError: Error?

    // Output buffers larger than this are released once written.
    private static let keptBufferBytes = 256 * 1024

    /// Creates an unconnected TCP handle on `loop` (loop thread only); a
    /// listener accepts into it or ``connect(to:port:timeout:_:)`` connects it.
    public init(loop: EventLoop) throws {
        precondition(loop.inEventLoop, "a StreamConnection is created on its loop's thread")
        self.loop = loop
        let handle = UVHandle.allocate(uv_tcp_t.self)
        let rc = uv_tcp_init(loop.uvLoop, handle)
        if rc < 0 {
            UVHandle.freeUninitialised(handle)
            throw UVError(code: rc, operation: "uv_tcp_init")
        }
        writeRequest = UVHandle.allocate(uv_write_t.self)
        UVHandle.setOwner(handle, self)
        self.handle = handle
    }

    deinit {
        free(writeRequest)
        output.deallocate()
        writing.deallocate()
        plain.deallocate()
    }

    var stream: UnsafeMutablePointer<uv_stream_t>? { handle.map(UVHandle.asStream) }

    /// Installs the handler (a ``ProtocolSelector`` hands over to the one it picked).
    public func setHandler(_ handler: StreamHandler) { self.handler = handler }

    /// Installs a byte transform between socket and handler. Set it before
    /// the first read and write: bytes already buffered are not transformed.
    public func setTransform(_ transform: ByteTransform?) { self.transform = transform }

    /// The peer's address ("127.0.0.1:53122", "[::1]:53122") for log lines;
    /// nil once closed or when the system cannot say.
    public var peerAddress: String? {
        guard let handle else { return nil }
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(handle, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(copying: $0)?.description }
        }
    }

    /// The loop's millisecond clock (`uv_now`), the unit of ``StreamHandler/streamSweep(_:now:)``.
    public var now: UInt64 { uv_now(loop.uvLoop) }

    /// True until the connection starts closing.
    public var isOpen: Bool { handle != nil && !isClosing && !shutdownRequested }

    /// Output not yet handed to the kernel: buffered plus queued in libuv.
    public var queuedBytes: Int {
        guard let stream else { return 0 }
        return plain.count + output.count + Int(uv_stream_get_write_queue_size(stream))
    }

    /// Disables Nagle: output is already coalesced per loop iteration, and
    /// small request/response pairs must not wait for delayed ACKs.
    func setNoDelay() {
        // A failure here (e.g. the peer already reset) surfaces on the next
        // read or write, where it closes the connection; nothing to do now.
        if let handle { _ = uv_tcp_nodelay(handle, 1) }
    }

    // MARK: Reading

    /// Starts (or resumes) delivering reads to the handler.
    public func startReading() {
        guard let stream, !isReading, !isClosing, !readEOF else { return }
        let rc = uv_read_start(stream, { handle, _, buf in
            let c = UVHandle.owner(of: handle!, as: StreamConnection.self)
            buf!.pointee = uv_buf_t(base: c.loop.readBuffer.assumingMemoryBound(to: CChar.self), len: c.loop.readBufferSize)
        }, { stream, nread, buf in
            let c = UVHandle.owner(of: UVHandle.asHandle(stream!), as: StreamConnection.self)
            if nread > 0 {
                c.didRead(UnsafeRawBufferPointer(start: buf!.pointee.base, count: nread))
            } else if nread == Int(UV_EOF.rawValue) {
                c.didReadEOF()
            } else if nread < 0 {
                c.close(error: UVError(code: Int32(nread), operation: "read"))
            }
        })
        if rc < 0 {
            close(error: UVError(code: rc, operation: "uv_read_start"))
            return
        }
        isReading = true
    }

    /// Stops reading (backpressure); ``startReading()`` resumes.
    public func stopReading() {
        guard let stream, isReading else { return }
        uv_read_stop(stream)
        isReading = false
    }

    private func didRead(_ bytes: UnsafeRawBufferPointer) {
        guard !discardsInput, let handler else { return }
        guard let transform else {
            handler.stream(self, didRead: bytes)
            return
        }
        do {
            // One read may decrypt into several pieces, and a piece may change
            // the handler (a ProtocolSelector handing over) or close the
            // input: each piece goes to the handler of the moment.
            try transform.inbound(bytes, deliver: { plain in
                guard !discardsInput, let current = self.handler else { return }
                current.stream(self, didRead: plain)
            }, reply: { appendToSocket($0) })
        } catch {
            closeSendingWhatIsBuffered(error: error)
        }
    }

    // A failing transform's last words (a TLS alert telling the peer why)
    // are a few bytes: one non-blocking write gets them out, and the close
    // that follows never waits on the peer.
    private func closeSendingWhatIsBuffered(error: Error) {
        if let stream, !writeInProgress, !output.isEmpty {
            var buf = uv_buf_t(base: output.base!.assumingMemoryBound(to: CChar.self), len: output.count)
            _ = uv_try_write(stream, &buf, 1)
        }
        close(error: error)
    }

    private func didReadEOF() {
        readEOF = true
        isReading = false
        if shutdownIssued || shutdownRequested && !writeInProgress && output.isEmpty {
            close(error: nil)
            return
        }
        handler?.streamDidReadEOF(self)
    }

    // MARK: Writing

    /// Queues `bytes`; they are written before the loop next waits for I/O.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard handle != nil, !isClosing, !shutdownRequested else { return }
        if transform == nil {
            output.append(bytes)
        } else {
            plain.append(bytes)
        }
        loop.scheduleFlush(self)
    }

    /// Queues `bytes`.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Queues `length` bytes that `fill` writes in place (straight into the
    /// output buffer when there is no transform: no intermediate array).
    /// `fill` must write all `length` bytes.
    public func write(reserving length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        guard handle != nil, !isClosing, !shutdownRequested else { return }
        if transform == nil {
            output.append(length: length, fill)
        } else {
            plain.append(length: length, fill)
        }
        loop.scheduleFlush(self)
    }

    // The gathered plain bytes through the transform into the output; false
    // when the transform failed (the connection is then closed).
    private func transformPlain() -> Bool {
        guard let transform, !plain.isEmpty else { return true }
        defer { plain.removeAll(keepAtMost: Self.keptBufferBytes) }
        do {
            try transform.outbound(UnsafeRawBufferPointer(start: plain.base, count: plain.count)) { output.append($0) }
            return true
        } catch {
            close(error: error)
            return false
        }
    }

    // Bytes that go to the socket as they are (a transform's output).
    private func appendToSocket(_ bytes: UnsafeRawBufferPointer) {
        guard handle != nil, !isClosing else { return }
        output.append(bytes)
        loop.scheduleFlush(self)
    }

    func flushBufferedOutput() {
        guard let stream, !isClosing, transformPlain() else { return }
        if !writeInProgress && !output.isEmpty {
            var buf = uv_buf_t(base: output.base!.assumingMemoryBound(to: CChar.self), len: output.count)
            // Try the synchronous path first: usually the socket takes it all
            // and no write request or callback is needed.
            let n = Int(uv_try_write(stream, &buf, 1))
            if n == output.count {
                output.removeAll(keepAtMost: Self.keptBufferBytes)
                handler?.streamDidWrite(self)
            } else if n < 0 && n != Int(UV_EAGAIN.rawValue) {
                close(error: UVError(code: Int32(n), operation: "write"))
                return
            } else {
                let written = max(n, 0)
                swap(&output, &writing)
                var rest = uv_buf_t(base: (writing.base! + written).assumingMemoryBound(to: CChar.self), len: writing.count - written)
                writeRequest.pointee.data = Unmanaged.passUnretained(self).toOpaque()
                let rc = uv_write(writeRequest, stream, &rest, 1) { request, status in
                    let c = Unmanaged<StreamConnection>.fromOpaque(request!.pointee.data!).takeUnretainedValue()
                    c.didWrite(status: status)
                }
                if rc < 0 {
                    close(error: UVError(code: rc, operation: "uv_write"))
                    return
                }
                writeInProgress = true
                if written > 0 { handler?.streamDidWrite(self) }
            }
        }
        maybeShutdown()
    }

    private func didWrite(status: Int32) {
        writeInProgress = false
        writing.removeAll(keepAtMost: Self.keptBufferBytes)
        if status < 0 {
            if status != UV_ECANCELED.rawValue { close(error: UVError(code: status, operation: "write")) }
            return
        }
        // Whatever gathered meanwhile goes out now rather than next iteration.
        flushBufferedOutput()
        handler?.streamDidWrite(self)
    }

    // MARK: Closing

    /// Flushes what is queued, sends a FIN, discards further input and closes
    /// once the peer's FIN arrives (or at ``closeDeadline``: the server's close
    /// timeout unless the caller set an earlier one).
    public func closeGracefully() {
        guard handle != nil, !isClosing, !shutdownRequested else { return }
        // After what the handler wrote, before `shutdownRequested`, which stops further output.
        guard transformPlain() else { return }
        transform?.finish { appendToSocket($0) }
        shutdownRequested = true
        discardsInput = true
        if let timeout = closeTimeoutMilliseconds {
            closeDeadline = min(closeDeadline ?? .max, now + timeout)
        }
        if readEOF && !writeInProgress && output.isEmpty {
            close(error: nil)
            return
        }
        if !readEOF { startReading() }
        loop.scheduleFlush(self)
    }

    /// Sets (or brings forward) the time after which the owner's sweep closes
    /// this connection outright.
    func limitCloseDeadline(_ deadline: UInt64) {
        closeDeadline = min(closeDeadline ?? deadline, deadline)
    }

    private func maybeShutdown() {
        guard shutdownRequested, !shutdownIssued, !writeInProgress, output.isEmpty, let stream, !isClosing else { return }
        if readEOF {
            close(error: nil)
            return
        }
        shutdownIssued = true
        let request = UVHandle.allocate(uv_shutdown_t.self)
        request.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        let rc = uv_shutdown(request, stream) { request, status in
            let c = Unmanaged<StreamConnection>.fromOpaque(request!.pointee.data!).takeUnretainedValue()
            free(request)
            if status < 0 || c.readEOF { c.close(error: nil) }
        }
        if rc < 0 {
            free(request)
            close(error: nil)
        }
    }

    /// Closes now; queued output is dropped. Idempotent.
    public func close(error: Error? = nil) {
        guard let handle, !isClosing else { return }
        isClosing = true
        isReading = false
        closeError = error
        UVHandle.close(handle)
    }

    /// The owner's periodic check: the close deadline, then the handler's own timeouts.
    func sweep(now: UInt64) {
        if let closeDeadline {
            if now >= closeDeadline { close(error: nil) }
            return
        }
        handler?.streamSweep(self, now: now)
    }

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        self.handle = nil
        isClosing = true
        output.deallocate()
        writing.deallocate()
        plain.deallocate()
        let handler = self.handler
        self.handler = nil
        transform = nil
        handler?.streamDidClose(self)
        owner?.connectionDidClose(self)
        owner = nil
    }
}
