import CUV
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Events of a ``FramedTCP``, delivered on its loop thread.
protocol FramedTCPDelegate: AnyObject {
    /// One complete frame payload (valid only during the call).
    func framedTCP(_ stream: FramedTCP, didReceive payload: UnsafeRawBufferPointer) -> FrameDecoder.Disposition
    /// The end of one read callback's batch of frames.
    func framedTCPDidRead(_ stream: FramedTCP)
    /// The peer sent bytes that are not frames; nothing more will be delivered.
    func framedTCP(_ stream: FramedTCP, didFailFraming error: FrameError)
    /// The peer closed its sending side.
    func framedTCPDidReadEOF(_ stream: FramedTCP)
    /// Queued output went down (bytes reached the kernel).
    func framedTCPDidWrite(_ stream: FramedTCP)
    /// The handle is closed; the stream is inert from now on.
    func framedTCP(_ stream: FramedTCP, didCloseWith error: Error?)
}

/// A TCP stream that speaks frames: incremental decoding of what it reads,
/// coalesced writes of what it sends. The server's connections and
/// ``FrameClient`` both sit on it. Loop-thread only.
///
/// Writes: ``send(_:)`` appends to an output buffer and asks the loop for a
/// flush before it next waits for I/O, so every frame produced in one loop
/// iteration goes out in one `uv_try_write` (or one `uv_write` for what the
/// socket does not take at once). At most one `uv_write` is outstanding; frames
/// sent meanwhile gather in the output buffer for the next one.
///
/// Memory: the stream is retained by its handle's `data` and released in the
/// handle's close callback (write and shutdown callbacks, which libuv always
/// runs before the close callback, use an unretained reference).
final class FramedTCP: UVHandleOwner, LoopFlushable {
    let loop: EventLoop
    private(set) var handle: UnsafeMutablePointer<uv_tcp_t>?
    var delegate: FramedTCPDelegate?
    private(set) var decoder: FrameDecoder
    var isFlushScheduled = false

    /// Read input but deliver no frames (a connection that is closing keeps
    /// reading so the peer's FIN is seen, and so close() does not answer
    /// unread input with a reset that could destroy our last response).
    var discardsInput = false

    private var output = OutputBuffer()
    private var writing = OutputBuffer()
    private let writeRequest: UnsafeMutablePointer<uv_write_t>
    private(set) var writeInProgress = false
    private(set) var isReading = false
    private(set) var isClosing = false
    private(set) var readEOF = false
    private var shutdownRequested = false
    private var shutdownIssued = false
    private var shutdownDone = false
    private var inDecoder = false

    // Output buffers larger than this are released once written.
    private static let keptBufferBytes = 256 * 1024

    init(loop: EventLoop, maxPayloadLength: Int) throws {
        precondition(loop.inEventLoop)
        self.loop = loop
        self.decoder = FrameDecoder(maxPayloadLength: maxPayloadLength)
        let handle = UVHandle.allocate(uv_tcp_t.self)
        let rc = uv_tcp_init(loop.uvLoop, handle)
        if rc < 0 {
            UVHandle.freeUninitialised(handle)
            throw UVError(code: rc, operation: "uv_tcp_init")
        }
        self.writeRequest = UVHandle.allocate(uv_write_t.self)
        UVHandle.setOwner(handle, self)
        self.handle = handle
    }

    deinit {
        free(writeRequest)
        output.deallocate()
        writing.deallocate()
    }

    var stream: UnsafeMutablePointer<uv_stream_t>? { handle.map(UVHandle.asStream) }

    /// Output not yet handed to the kernel: buffered plus queued in libuv.
    var queuedBytes: Int {
        guard let stream else { return 0 }
        return output.count + Int(uv_stream_get_write_queue_size(stream))
    }

    var isOpen: Bool { handle != nil && !isClosing }

    /// Disables Nagle: frames are already coalesced per loop iteration, and
    /// small request/response pairs must not wait for delayed ACKs.
    func setNoDelay() {
        // A failure here (e.g. the peer already reset) surfaces on the next
        // read or write, where it closes the stream; nothing to do now.
        if let handle { _ = uv_tcp_nodelay(handle, 1) }
    }

    // MARK: Reading

    func startReading() {
        guard let stream, !isReading, !isClosing, !readEOF else { return }
        let rc = uv_read_start(stream, { handle, _, buf in
            let s = UVHandle.owner(of: handle!, as: FramedTCP.self)
            buf!.pointee = uv_buf_t(base: s.loop.readBuffer.assumingMemoryBound(to: CChar.self), len: s.loop.readBufferSize)
        }, { stream, nread, buf in
            let s = UVHandle.owner(of: UVHandle.asHandle(stream!), as: FramedTCP.self)
            if nread > 0 {
                s.didRead(UnsafeRawBufferPointer(start: buf!.pointee.base, count: nread))
            } else if nread == Int(UV_EOF.rawValue) {
                s.didReadEOF()
            } else if nread < 0 {
                s.close(error: UVError(code: Int32(nread), operation: "read"))
            }
        })
        if rc < 0 {
            close(error: UVError(code: rc, operation: "uv_read_start"))
            return
        }
        isReading = true
    }

    func stopReading() {
        guard let stream, isReading else { return }
        uv_read_stop(stream)
        isReading = false
    }

    /// Delivers frames a paused decoder kept back. Not while already decoding.
    func resumeBacklog() {
        guard !inDecoder, decoder.hasPendingBacklog, let delegate, !discardsInput else { return }
        inDecoder = true
        defer { inDecoder = false }
        do {
            try decoder.resume { delegate.framedTCP(self, didReceive: $0) }
        } catch {
            delegate.framedTCP(self, didFailFraming: error)
        }
    }

    var hasBacklog: Bool { decoder.hasPendingBacklog }

    private func didRead(_ bytes: UnsafeRawBufferPointer) {
        guard let delegate else { return }
        if discardsInput {
            delegate.framedTCPDidRead(self)
            return
        }
        inDecoder = true
        do {
            try decoder.feed(bytes) { delegate.framedTCP(self, didReceive: $0) }
            inDecoder = false
        } catch {
            inDecoder = false
            discardsInput = true
            delegate.framedTCP(self, didFailFraming: error)
        }
        delegate.framedTCPDidRead(self)
    }

    private func didReadEOF() {
        readEOF = true
        isReading = false
        if shutdownDone {
            close(error: nil)
            return
        }
        delegate?.framedTCPDidReadEOF(self)
    }

    // MARK: Writing

    /// Queues one frame; it is written before the loop next waits for I/O.
    func send(_ payload: UnsafeRawBufferPointer) {
        guard isOpen, !shutdownRequested else { return }
        output.appendFrame(payload)
        loop.scheduleFlush(self)
    }

    /// Queues one frame whose payload `write` fills in place (`length` bytes).
    func send(length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        guard isOpen, !shutdownRequested else { return }
        output.appendFrame(length: length, write)
        loop.scheduleFlush(self)
    }

    func flushBufferedOutput() {
        guard let stream, !isClosing else { return }
        if !writeInProgress && !output.isEmpty {
            var buf = uv_buf_t(base: output.base!.assumingMemoryBound(to: CChar.self), len: output.count)
            // Try the synchronous path first: usually the socket takes it all
            // and no write request or callback is needed.
            let n = Int(uv_try_write(stream, &buf, 1))
            if n == output.count {
                output.removeAll(keepAtMost: Self.keptBufferBytes)
                delegate?.framedTCPDidWrite(self)
            } else if n < 0 && n != Int(UV_EAGAIN.rawValue) {
                close(error: UVError(code: Int32(n), operation: "write"))
                return
            } else {
                let written = max(n, 0)
                swap(&output, &writing)
                var rest = uv_buf_t(base: (writing.base! + written).assumingMemoryBound(to: CChar.self), len: writing.count - written)
                writeRequest.pointee.data = Unmanaged.passUnretained(self).toOpaque()
                let rc = uv_write(writeRequest, stream, &rest, 1) { request, status in
                    let s = Unmanaged<FramedTCP>.fromOpaque(request!.pointee.data!).takeUnretainedValue()
                    s.didWrite(status: status)
                }
                if rc < 0 {
                    close(error: UVError(code: rc, operation: "uv_write"))
                    return
                }
                writeInProgress = true
                if written > 0 { delegate?.framedTCPDidWrite(self) }
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
        delegate?.framedTCPDidWrite(self)
    }

    // MARK: Closing

    /// Sends the peer a FIN once all queued output is written, keeps reading
    /// (input discarded) until the peer's own FIN, then closes. The caller
    /// bounds the wait with a timer and calls ``close(error:)`` at the deadline.
    func closeGracefully() {
        guard isOpen else { return }
        discardsInput = true
        shutdownRequested = true
        if readEOF && !writeInProgress && output.isEmpty && !shutdownIssued {
            // Peer already gone: nothing to linger for.
            close(error: nil)
            return
        }
        if !readEOF { startReading() }
        loop.scheduleFlush(self)
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
            let s = Unmanaged<FramedTCP>.fromOpaque(request!.pointee.data!).takeUnretainedValue()
            free(request)
            s.didShutdown(status: status)
        }
        if rc < 0 {
            free(request)
            close(error: nil)
        }
    }

    private func didShutdown(status: Int32) {
        shutdownDone = true
        if status < 0 || readEOF { close(error: nil) }
    }

    /// Closes the handle now; queued output is dropped. Idempotent.
    func close(error: Error?) {
        guard let handle, !isClosing else { return }
        isClosing = true
        isReading = false
        pendingCloseError = error
        UVHandle.close(handle)
    }

    private var pendingCloseError: Error?

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        self.handle = nil
        isClosing = true
        output.deallocate()
        writing.deallocate()
        let delegate = self.delegate
        self.delegate = nil
        delegate?.framedTCP(self, didCloseWith: pendingCloseError)
    }
}
