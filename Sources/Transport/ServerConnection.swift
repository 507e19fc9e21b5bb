import Primitives
import CUV

/// One accepted connection of a ``FrameServer``. Loop-thread only, except
/// that ``FrameReply`` values holding it may travel to other threads (they
/// only read the immutable `loop`).
///
/// States: *open* (frames delivered to the handler) → *closing* (no more
/// frames; input read and discarded; in-flight requests finish and flush,
/// then a FIN, then close when the peer's FIN arrives or the deadline
/// passes) → *closed*.
final class ServerConnection: FrameChannelDelegate, LoopReplyTarget, @unchecked Sendable {
    let loop: EventLoop
    // Strong: a FrameReply may outlive the server (a handler replying late on
    // a shared loop group) and must still find valid bookkeeping. The cycle
    // with the owner's connection list is broken when the connection closes.
    let owner: ServerLoop
    let channel: FrameChannel
    /// Bumped when the connection closes, so replies to requests of an
    /// earlier generation are recognised and dropped.
    private(set) var generation: UInt32 = 1
    private(set) var inFlight = 0
    /// Position in the owner's connection list (O(1) removal).
    var index = -1
    /// `uv_now` of the last read or write.
    private(set) var lastActivity: UInt64
    private(set) var isClosing = false
    private(set) var isClosed = false
    /// `uv_now` after which a closing connection is closed outright; nil = no deadline.
    private(set) var closeDeadline: UInt64?
    private(set) var pausedForWrite = false

    init(owner: ServerLoop, channel: FrameChannel) {
        self.owner = owner
        self.loop = owner.loop
        self.channel = channel
        self.lastActivity = uv_now(owner.loop.uvLoop)
        channel.delegate = self
    }

    var now: UInt64 { uv_now(loop.uvLoop) }

    // MARK: Replies

    func deliverReply(_ payload: [UInt8], generation: UInt32) {
        payload.withUnsafeBytes { deliverReply(generation: generation, $0) }
    }

    func deliverReply(generation: UInt32, _ payload: UnsafeRawBufferPointer) {
        guard acceptReply(generation) else { return }
        channel.send(payload)
        replied()
    }

    func deliverReply(generation: UInt32, length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        guard acceptReply(generation) else { return }
        channel.send(length: length, write)
        replied()
    }

    private func acceptReply(_ generation: UInt32) -> Bool {
        // A reply for a closed connection, or one more than there were
        // requests (a handler calling send twice), is dropped.
        guard generation == self.generation, !isClosed, inFlight > 0, channel.isOpen else {
            owner.stats.repliesDropped += 1
            return false
        }
        inFlight -= 1
        owner.stats.repliesSent += 1
        return true
    }

    private func replied() {
        if isClosing && inFlight == 0 {
            closeGracefullyWithinCloseTimeout()
        }
        // Resuming a paused read happens after the flush (frameChannelDidWrite),
        // never here: this may run inside handleFrame, inside the decoder.
    }

    // MARK: Stream events

    func frameChannel(_ channel: FrameChannel, didReceive payload: UnsafeRawBufferPointer) -> FrameDecoder.Disposition {
        inFlight += 1
        owner.stats.framesReceived += 1
        owner.handler.handleFrame(payload, reply: FrameReply(connection: self, generation: generation))
        return inFlight >= owner.limits.maxInFlightPerConnection || isClosing ? .pause : .proceed
    }

    func frameChannelDidRead(_ channel: FrameChannel) {
        lastActivity = now
        updateReading()
    }

    func frameChannel(_ channel: FrameChannel, didFailFraming error: FrameError) {
        owner.stats.framingErrors += 1
        beginClosing(response: owner.handler.framingErrorResponse(error), deadline: now + owner.limits.closeTimeout.milliseconds)
    }

    func frameChannelDidReadEOF(_ channel: FrameChannel) {
        // The peer will send nothing more but may still await its responses:
        // finish what is in flight, then close. No deadline: the handler
        // promises a reply to every request.
        if !isClosing { beginClosing(response: nil, deadline: nil) }
    }

    func frameChannelDidWrite(_ channel: FrameChannel) {
        lastActivity = now
        updateReading()
    }

    func frameChannel(_ channel: FrameChannel, didCloseWith error: Error?) {
        isClosed = true
        isClosing = true
        generation &+= 1
        owner.connectionDidClose(self)
    }

    // MARK: Flow control

    /// Starts or stops reading according to the in-flight cap and the write
    /// high-water mark. Never called from inside the decoder.
    func updateReading() {
        guard !isClosing, channel.isOpen else { return }
        let limits = owner.limits
        while true {
            let queued = channel.queuedBytes
            if pausedForWrite {
                if queued <= limits.writeLowWaterMark { pausedForWrite = false }
            } else if queued > limits.writeHighWaterMark {
                pausedForWrite = true
                owner.stats.readPausesForWriteBackpressure += 1
            }
            let overInFlight = inFlight >= limits.maxInFlightPerConnection
            if overInFlight || pausedForWrite {
                if channel.isReading {
                    channel.stopReading()
                    if overInFlight && !pausedForWrite { owner.stats.readPausesForInFlight += 1 }
                }
                return
            }
            if channel.hasBacklog {
                // Frames held back at the last pause go first, then the socket.
                let before = channel.decoder.bufferedByteCount
                channel.resumeBacklog()
                if isClosing || !channel.isOpen { return }
                if channel.decoder.bufferedByteCount != before { continue }
            }
            channel.startReading()
            return
        }
    }

    var isReadPaused: Bool { !isClosing && channel.isOpen && !channel.isReading }

    // MARK: Closing

    /// Stops taking requests, optionally sends `response` (request id 0 by
    /// the handler's convention), finishes in-flight requests, then closes.
    func beginClosing(response: [UInt8]?, deadline: UInt64?) {
        guard !isClosed else { return }
        if let deadline { closeDeadline = min(closeDeadline ?? deadline, deadline) }
        if isClosing { return }
        isClosing = true
        channel.discardInput()
        if let response { response.withUnsafeBytes { channel.send($0) } }
        if inFlight == 0 {
            closeGracefullyWithinCloseTimeout()
        } else {
            // Keep reading (discarding) so the peer's FIN is noticed.
            channel.startReading()
        }
    }

    /// Everything is answered: flush, send FIN and wait for the peer's FIN, but
    /// only for `closeTimeout`. A shutdown's longer grace is for calls in
    /// flight; a client that keeps an idle pooled connection open must not
    /// hold the server up that long.
    private func closeGracefullyWithinCloseTimeout() {
        let limit = now + owner.limits.closeTimeout.milliseconds
        closeDeadline = min(closeDeadline ?? limit, limit)
        channel.closeGracefully()
    }

    /// Idle and deadline checks, from the loop's sweep timer.
    func sweep(now: UInt64, idleTimeout: UInt64?) {
        if isClosing {
            if let closeDeadline, now >= closeDeadline { channel.close(error: nil) }
            return
        }
        if let idleTimeout, inFlight == 0, channel.queuedBytes == 0, now &- lastActivity >= idleTimeout {
            owner.stats.idleClosures += 1
            beginClosing(response: nil, deadline: now + owner.limits.closeTimeout.milliseconds)
        }
    }
}
