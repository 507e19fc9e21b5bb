
/// Application logic behind a ``FrameServer``: turns request payloads into
/// response payloads. The transport adds and strips the frame headers.
///
/// Lifecycle: the server holds the handler strongly from `init` until
/// `shutdown(grace:)` returns. `handleFrame` is called once per received
/// frame; for each call the handler must call `reply.send(...)` exactly once
/// (from any thread, now or later). Frames of one connection are delivered in
/// order; replies may be sent in any order (the protocol's request ids match
/// them up).
///
/// Thread-safety: every method is called on the loop thread of the connection
/// concerned, and a server runs several loops, so different connections'
/// calls arrive concurrently on different threads. The handler must be safe
/// for that, and must not block a loop thread for long: slow work belongs on
/// other threads, replying from there.
public protocol FrameHandler: AnyObject, Sendable {
    /// Called on the connection's loop thread with one frame payload (valid
    /// only during the call: copy what must outlive it).
    /// Must eventually call `reply.send(...)` exactly once, from any thread.
    func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply)

    /// The payload of the error response sent before closing after a framing
    /// error (its request id should be 0: no request could be identified).
    /// Called on the loop thread.
    func framingErrorResponse(_ error: FrameError) -> [UInt8]

    /// The payload sent to a connection refused because the server is at
    /// ``ServerLimits/maxConnections``, before it is closed; nil closes it
    /// without a response. Called on the loop thread. Default: nil.
    func connectionLimitResponse() -> [UInt8]?
}

extension FrameHandler {
    public func connectionLimitResponse() -> [UInt8]? { nil }
}
