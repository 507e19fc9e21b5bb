
/// Per-server and per-connection limits of a ``FrameServer``.
public struct ServerLimits: Sendable, Equatable {
    /// Longest accepted frame payload. A longer length is refused as soon as
    /// the header arrives, before any allocation. Default 16 MiB.
    public var maxFrameLength: Int
    /// Requests a connection may have in flight (received, not yet replied).
    /// At the cap the server stops reading that connection (`uv_read_stop`),
    /// delivering not one frame more, and resumes once a reply goes out.
    public var maxInFlightPerConnection: Int
    /// Output bytes a connection may have queued (buffered plus queued in
    /// libuv) before the server stops reading it: a client that does not read
    /// its responses cannot make the server's memory grow without bound.
    /// Reading resumes once the queue drains to half this value.
    public var writeHighWaterMark: Int
    /// A connection with no traffic for this long and nothing in flight is
    /// closed. `nil` disables the idle timeout.
    public var idleTimeout: Duration?
    /// Open connections allowed across all loops. Beyond it a new connection
    /// is accepted (so the client does not hang in the backlog), sent the
    /// handler's ``FrameHandler/connectionLimitResponse()`` if it has one,
    /// and closed.
    public var maxConnections: Int
    /// How long a closing connection (after a framing error, or refused for
    /// the connection limit) may take to finish its last replies and see the
    /// peer's FIN before it is closed outright.
    public var closeTimeout: Duration
    /// The `listen()` backlog of each listening socket.
    public var listenBacklog: Int
    /// Open connections allowed from one remote host; beyond it a connection
    /// is refused like one over ``maxConnections``. nil = no per-host cap.
    public var maxConnectionsPerAddress: Int? = nil

    public init(
        maxFrameLength: Int = Frame.defaultMaxPayloadLength,
        maxInFlightPerConnection: Int = 1024,
        writeHighWaterMark: Int = 1 << 20,
        idleTimeout: Duration? = .seconds(300),
        maxConnections: Int = 10_000,
        closeTimeout: Duration = .seconds(2),
        listenBacklog: Int = 1024
    ) {
        self.maxFrameLength = maxFrameLength
        self.maxInFlightPerConnection = maxInFlightPerConnection
        self.writeHighWaterMark = writeHighWaterMark
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.closeTimeout = closeTimeout
        self.listenBacklog = listenBacklog
    }

    /// Reading resumes when queued output falls to this (half the high-water mark).
    public var writeLowWaterMark: Int { writeHighWaterMark / 2 }

    func validate() throws {
        if maxFrameLength < 0 || maxFrameLength > Frame.maxEncodableLength { throw ServerLimitsError("maxFrameLength must be in 0...\(Frame.maxEncodableLength), got \(maxFrameLength)") }
        if maxInFlightPerConnection < 1 { throw ServerLimitsError("maxInFlightPerConnection must be at least 1, got \(maxInFlightPerConnection)") }
        if writeHighWaterMark < 1 { throw ServerLimitsError("writeHighWaterMark must be at least 1, got \(writeHighWaterMark)") }
        if maxConnections < 1 { throw ServerLimitsError("maxConnections must be at least 1, got \(maxConnections)") }
        if let idleTimeout, idleTimeout <= .zero { throw ServerLimitsError("idleTimeout must be positive (or nil to disable), got \(idleTimeout)") }
        if let perAddress = maxConnectionsPerAddress, perAddress < 1 { throw ServerLimitsError("maxConnectionsPerAddress must be at least 1 (or nil for no cap), got \(perAddress)") }
        if listenBacklog < 1 { throw ServerLimitsError("listenBacklog must be at least 1, got \(listenBacklog)") }
    }
}

/// A ``ServerLimits`` value that makes no sense, with the reason.
public struct ServerLimitsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "invalid server limits: \(description)" }
}
