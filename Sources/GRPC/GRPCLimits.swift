import Transport

/// Limits of every gRPC connection: what one client may hold or send.
/// Past them a call ends with RESOURCE_EXHAUSTED (or, for streams over the
/// concurrent cap, nghttp2's REFUSED_STREAM reset); the connection and its
/// other calls carry on.
public struct GRPCLimits: Sendable {
    /// Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxConcurrentStreams: Int = 256
    /// Bytes of header names and values one request may send (advertised as
    /// SETTINGS_MAX_HEADER_LIST_SIZE).
    public var maxHeaderListBytes: Int = 16 * 1024
    /// Bytes of one request message, after decompression.
    public var maxMessageBytes: Int = Frame.defaultMaxPayloadLength
    /// The flow-control window each request stream starts with.
    public var initialWindowBytes: Int = 1 << 20
    /// Stop reading a connection while more than this much output waits for
    /// the socket; resume below ``writeLowWaterMark``.
    public var writeHighWaterMark: Int = 4 << 20
    public var writeLowWaterMark: Int = 1 << 20
    /// A connection with no open stream for this long is sent GOAWAY and
    /// closed; nil keeps it.
    public var idleTimeout: Duration? = nil

    public init() {}
}
