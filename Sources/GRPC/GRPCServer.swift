import Transport

/// Where gRPC is served: on a ``FrameServer``'s port beside the swerve
/// protocol (``sharedPortProtocol(router:limits:)``), or on a port of its own
/// (``GRPCServer``), on the same loops either way.
extension GRPCRouter {
    /// gRPC as the second protocol of a swerve-protocol port: connections
    /// that open with HTTP/2's preface are served here.
    public func sharedPortProtocol(limits: GRPCLimits) -> SharedPortProtocol {
        let router = self
        return .http2 { HTTP2Connection(connection: $0, router: router, limits: limits) }
    }
}

/// gRPC on a port of its own (`--grpc-port`).
public final class GRPCServer: Sendable {
    private let server: StreamServer

    /// Binds `host:port` (0 = ephemeral) on every loop of `group`.
    public init(host: String, port: Int, router: GRPCRouter, limits: GRPCLimits, group: EventLoopGroup,
                options: StreamServer.Options = StreamServer.Options()) throws {
        server = try StreamServer(host: host, port: port, group: group, options: options) { connection in
            HTTP2Connection(connection: connection, router: router, limits: limits)
        }
    }

    /// The port listened on.
    public var boundPort: Int { server.boundPort }

    /// GOAWAY to every connection, calls in flight finish (at most `grace`), then close.
    public func shutdown(grace: Duration) {
        server.shutdown(grace: grace)
    }
}
