import GRPC
import Transport

/// Where and how `swerve serve` speaks gRPC.
public struct GRPCOptions: Sendable {
    /// 0: on the binary protocol's port, told apart by the first bytes
    /// (`--grpc-port 0`, the default); N: a port of its own.
    public var port: Int = 0
    /// Streams one connection may have open at once.
    public var maxConcurrentStreams: Int = GRPCLimits().maxConcurrentStreams
    /// Bytes of headers one call may send.
    public var maxHeaderListBytes: Int = GRPCLimits().maxHeaderListBytes

    public init(port: Int = 0) {
        self.port = port
    }

    /// The connection limits: these options, with the binary protocol's
    /// message size, write high-water mark and idle timeout.
    func limits(_ server: ServerLimits) -> GRPCLimits {
        var limits = GRPCLimits()
        limits.maxConcurrentStreams = maxConcurrentStreams
        limits.maxHeaderListBytes = maxHeaderListBytes
        limits.maxMessageBytes = server.maxFrameLength
        limits.writeHighWaterMark = server.writeHighWaterMark
        limits.writeLowWaterMark = server.writeLowWaterMark
        limits.idleTimeout = server.idleTimeout
        return limits
    }
}
