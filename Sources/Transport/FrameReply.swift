/// The way to answer one request. A small value: a reference to the
/// connection and the connection's generation when the request arrived.
/// No allocation per request.
///
/// Thread-safety: `send` may be called from any thread. On the connection's
/// loop thread the response is appended straight to the connection's output
/// buffer (written, coalesced with the other responses of the same loop
/// iteration, before the loop next waits for I/O). From another thread it is
/// handed to the loop through its queue.
///
/// A reply to a connection that has closed meanwhile is dropped safely. Call
/// `send` exactly once per request: the in-flight count (and with it the
/// per-connection request limit) depends on it.
public struct FrameReply: @unchecked Sendable {
    let connection: ServerConnection
    let generation: UInt32

    /// Sends `payload` as the response frame.
    public func send(_ payload: [UInt8]) {
        if connection.loop.inEventLoop {
            payload.withUnsafeBytes { connection.deliverReply(generation: generation, $0) }
        } else {
            connection.loop.deliver(payload, generation: generation, to: connection)
        }
    }

    /// Sends a copy of `payload` as the response frame.
    public func send(_ payload: UnsafeRawBufferPointer) {
        if connection.loop.inEventLoop {
            connection.deliverReply(generation: generation, payload)
        } else {
            connection.loop.deliver(Array(payload), generation: generation, to: connection)
        }
    }

    /// Sends a response of `length` bytes that `write` fills in place: on the
    /// loop thread straight into the connection's output buffer (no
    /// intermediate array), e.g. for a protobuf encoder that knows its size.
    /// `write` must fill all `length` bytes.
    public func send(length: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        if connection.loop.inEventLoop {
            connection.deliverReply(generation: generation, length: length, write)
        } else {
            var payload = [UInt8](repeating: 0, count: length)
            payload.withUnsafeMutableBytes { write($0) }
            connection.loop.deliver(payload, generation: generation, to: connection)
        }
    }
}

extension FrameReply {
    /// The remote host of the request's connection (see
    /// ``StreamConnection/remoteHost``). Loop thread only: read it inside
    /// ``FrameHandler/handleFrame(_:reply:)``.
    public var remoteHost: String { connection.channel.connection.remoteHost }
}
