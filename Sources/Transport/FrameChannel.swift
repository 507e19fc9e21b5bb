/// Events of a ``FrameChannel``, delivered on its loop thread.
protocol FrameChannelDelegate: AnyObject {
    /// One complete frame payload (valid only during the call).
    func frameChannel(_ channel: FrameChannel, didReceive payload: UnsafeRawBufferPointer) -> FrameDecoder.Disposition
    /// The end of one read's batch of frames.
    func frameChannelDidRead(_ channel: FrameChannel)
    /// The peer sent bytes that are not frames; nothing more will be delivered.
    func frameChannel(_ channel: FrameChannel, didFailFraming error: FrameError)
    /// The peer closed its sending side.
    func frameChannelDidReadEOF(_ channel: FrameChannel)
    /// Queued output went down (bytes reached the kernel).
    func frameChannelDidWrite(_ channel: FrameChannel)
    /// The connection is closed; the channel is inert from now on.
    func frameChannel(_ channel: FrameChannel, didCloseWith error: Error?)
}

/// The swerve framing handler: splits what a ``StreamConnection`` reads into
/// frame payloads (``FrameDecoder``) and writes payloads with their 5-byte
/// prefix. The server's connections and ``FrameClient`` both sit on it.
/// Knows frames, not protobuf. Loop-thread only.
final class FrameChannel: StreamHandler {
    let connection: StreamConnection
    // Strong, like the connection's hold on its handler: the cycle ends when the
    // connection closes (a weak load per read would cost on the hot path).
    var delegate: FrameChannelDelegate?
    private(set) var decoder: FrameDecoder
    private var inDecoder = false

    /// Makes the channel `connection`'s handler.
    init(connection: StreamConnection, maxPayloadLength: Int) {
        self.connection = connection
        self.decoder = FrameDecoder(maxPayloadLength: maxPayloadLength)
        connection.setHandler(self)
    }

    var loop: EventLoop { connection.loop }
    var isOpen: Bool { connection.isOpen }
    var isReading: Bool { connection.isReading }
    var queuedBytes: Int { connection.queuedBytes }
    var hasBacklog: Bool { decoder.hasPendingBacklog }

    func startReading() { connection.startReading() }
    func stopReading() { connection.stopReading() }
    func closeGracefully() { connection.closeGracefully() }
    func close(error: Error?) { connection.close(error: error) }

    /// Stops delivering frames; the connection keeps reading (and discarding).
    func discardInput() { connection.discardsInput = true }

    // MARK: Writing

    /// Queues one frame; it is written before the loop next waits for I/O.
    func send(_ payload: UnsafeRawBufferPointer) {
        send(length: payload.count) { destination in
            if let source = payload.baseAddress, payload.count > 0 {
                destination.baseAddress!.copyMemory(from: source, byteCount: payload.count)
            }
        }
    }

    /// Queues one frame whose payload `write` fills in place (`length` bytes).
    func send(length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        connection.write(reserving: Frame.headerSize + length) { frame in
            Frame.writeHeader(length: length, to: frame.baseAddress!)
            write(UnsafeMutableRawBufferPointer(rebasing: frame[Frame.headerSize...]))
        }
    }

    // MARK: Reading

    /// Delivers frames a paused decoder kept back. Not while already decoding.
    func resumeBacklog() {
        guard !inDecoder, decoder.hasPendingBacklog, let delegate, !connection.discardsInput else { return }
        inDecoder = true
        defer { inDecoder = false }
        do {
            try decoder.resume { delegate.frameChannel(self, didReceive: $0) }
        } catch {
            delegate.frameChannel(self, didFailFraming: error)
        }
    }

    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        // A connection refused on a shared port is handed its first bytes
        // after it began closing; they are not requests to serve.
        guard let delegate, !connection.discardsInput else { return }
        inDecoder = true
        do {
            try decoder.feed(bytes) { delegate.frameChannel(self, didReceive: $0) }
            inDecoder = false
        } catch {
            inDecoder = false
            connection.discardsInput = true
            delegate.frameChannel(self, didFailFraming: error)
        }
        delegate.frameChannelDidRead(self)
    }

    func streamDidReadEOF(_ connection: StreamConnection) {
        delegate?.frameChannelDidReadEOF(self)
    }

    func streamDidWrite(_ connection: StreamConnection) {
        delegate?.frameChannelDidWrite(self)
    }

    func streamDidClose(_ connection: StreamConnection) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.frameChannel(self, didCloseWith: connection.closeError)
    }
}
