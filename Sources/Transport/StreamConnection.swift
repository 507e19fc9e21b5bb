import CUV
#if canImport(Glibc)
import Glibc
#endif

/// The protocol logic of one ``StreamServer`` connection (HTTP, for the REST
/// adapter). Created by the server's factory when a connection is accepted;
/// every method runs on the connection's loop thread.
public protocol StreamHandler: AnyObject {
    /// Bytes read from the peer (valid only during the call).
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
    /// The connection is closed; no more calls follow.
    func streamDidClose(_ connection: StreamConnection)
}

/// One accepted TCP connection of a ``StreamServer``: a plain byte stream
/// with coalesced writes. Loop-thread only (use ``loop`` to hop there).
///
/// Writes: ``write(_:)`` appends to an output buffer that is flushed once per
/// loop iteration, just before the loop waits for I/O (one `uv_try_write`,
/// or one `uv_write` for what the socket does not take at once), so the
/// responses to a batch of pipelined requests go out in one system call.
///
/// Closing: ``closeGracefully()`` flushes, sends a FIN, keeps reading
/// (discarding) until the peer's FIN so unread input does not turn into a
/// reset that could destroy the last response, and closes at the latest
/// after the server's `closeTimeout`. ``close()`` closes at once.
///
/// Memory: retained by its handle's `data`, released in the close callback.
public final class StreamConnection: UVHandleOwner, LoopFlushable, @unchecked Sendable {
    /// The loop this connection lives on.
    public let loop: EventLoop
    let owner: StreamServerLoop
    /// The handler, set right after accept; cleared once closed.
    public private(set) var handler: StreamHandler?
    var isFlushScheduled = false
    var index = -1

    private var handle: UnsafeMutablePointer<uv_tcp_t>?
    private var output = OutputBuffer()
    private var writing = OutputBuffer()
    private let writeRequest: UnsafeMutablePointer<uv_write_t>
    private var writeInProgress = false
    /// Reading as the handler wants it (false after ``stopReading()``).
    public private(set) var isReading = false
    private var isClosing = false
    private var readEOF = false
    private var discardsInput = false
    private var shutdownRequested = false
    private var shutdownIssued = false
    private(set) var closeDeadline: UInt64?

    private static let keptBufferBytes = 256 * 1024

    init(owner: StreamServerLoop) throws {
        self.owner = owner
        self.loop = owner.loop
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
    }

    var stream: UnsafeMutablePointer<uv_stream_t>? { handle.map(UVHandle.asStream) }

    func attach(_ handler: StreamHandler) { self.handler = handler }

    /// The loop's millisecond clock (`uv_now`), the unit of ``StreamHandler/streamSweep(_:now:)``.
    public var now: UInt64 { uv_now(loop.uvLoop) }

    /// True until the connection starts closing.
    public var isOpen: Bool { handle != nil && !isClosing && !shutdownRequested }

    /// Output not yet handed to the kernel: buffered plus queued in libuv.
    public var queuedBytes: Int {
        guard let stream else { return 0 }
        return output.count + Int(uv_stream_get_write_queue_size(stream))
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
                c.close()
            }
        })
        if rc < 0 {
            close()
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
        if discardsInput { return }
        handler?.stream(self, didRead: bytes)
    }

    private func didReadEOF() {
        readEOF = true
        isReading = false
        if shutdownIssued || discardsInput && !writeInProgress && output.isEmpty {
            close()
            return
        }
        handler?.streamDidReadEOF(self)
    }

    // MARK: Writing

    /// Queues `bytes`; they are written before the loop next waits for I/O.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard handle != nil, !isClosing, !shutdownRequested else { return }
        output.append(bytes)
        loop.scheduleFlush(self)
    }

    /// Queues `bytes`.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    func flushBufferedOutput() {
        guard let stream, !isClosing else { return }
        if !writeInProgress && !output.isEmpty {
            var buf = uv_buf_t(base: output.base!.assumingMemoryBound(to: CChar.self), len: output.count)
            let n = Int(uv_try_write(stream, &buf, 1))
            if n == output.count {
                output.removeAll(keepAtMost: Self.keptBufferBytes)
                handler?.streamDidWrite(self)
            } else if n < 0 && n != Int(UV_EAGAIN.rawValue) {
                close()
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
                    close()
                    return
                }
                writeInProgress = true
            }
        }
        maybeShutdown()
    }

    private func didWrite(status: Int32) {
        writeInProgress = false
        writing.removeAll(keepAtMost: Self.keptBufferBytes)
        if status < 0 {
            if status != UV_ECANCELED.rawValue { close() }
            return
        }
        flushBufferedOutput()
        handler?.streamDidWrite(self)
    }

    // MARK: Closing

    /// Flushes what is queued, sends a FIN, discards further input and closes
    /// once the peer's FIN arrives (or after the server's close timeout).
    public func closeGracefully() {
        guard handle != nil, !isClosing, !shutdownRequested else { return }
        shutdownRequested = true
        discardsInput = true
        closeDeadline = now + owner.options.closeTimeout.uvMilliseconds
        if readEOF && !writeInProgress && output.isEmpty {
            close()
            return
        }
        if !readEOF { startReading() }
        loop.scheduleFlush(self)
    }

    private func maybeShutdown() {
        guard shutdownRequested, !shutdownIssued, !writeInProgress, output.isEmpty, let stream, !isClosing else { return }
        if readEOF {
            close()
            return
        }
        shutdownIssued = true
        let request = UVHandle.allocate(uv_shutdown_t.self)
        request.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        let rc = uv_shutdown(request, stream) { request, status in
            let c = Unmanaged<StreamConnection>.fromOpaque(request!.pointee.data!).takeUnretainedValue()
            free(request)
            if status < 0 || c.readEOF { c.close() }
        }
        if rc < 0 {
            free(request)
            close()
        }
    }

    /// Closes now; queued output is dropped. Idempotent.
    public func close() {
        guard let handle, !isClosing else { return }
        isClosing = true
        isReading = false
        UVHandle.close(handle)
    }

    func sweep(now: UInt64) {
        if let closeDeadline {
            if now >= closeDeadline { close() }
            return
        }
        handler?.streamSweep(self, now: now)
    }

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        self.handle = nil
        isClosing = true
        output.deallocate()
        writing.deallocate()
        let handler = self.handler
        self.handler = nil
        handler?.streamDidClose(self)
        owner.connectionDidClose(self)
    }
}
