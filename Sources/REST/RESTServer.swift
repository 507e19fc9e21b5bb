import Auth
import TextFormats
import Logging
import Transport
import Wire

/// The REST adapter: an HTTP/1.1 server on an ``EventLoopGroup`` that
/// translates TF-Serving REST, KServe V2 and the classic pattern's routes
/// into `Wire.Request` values for a ``CallHandler`` and the answers back to
/// JSON. It never serves a model itself.
///
/// Lifecycle: `init` binds and starts serving; ``shutdown(grace:)`` stops
/// accepting, lets requests in flight finish (at most `grace`) and closes
/// every connection. The group belongs to the caller.
/// Thread-safety: public methods may be called from any thread except the
/// group's loops.
public final class RESTServer: Sendable {
    /// How to run the adapter.
    public struct Options: Sendable {
        public var host: String = "127.0.0.1"
        /// 0 picks a free port; see ``RESTServer/boundPort``.
        public var port: Int = 8501
        /// Largest request body; larger ones get 413 before they are read.
        public var maxBodyBytes: Int = 16 * 1024 * 1024
        /// A request's headers must arrive within this of its first byte.
        public var headerTimeout: Duration = .seconds(10)
        /// A request's body must arrive within this after its headers.
        public var bodyTimeout: Duration = .seconds(30)
        /// An idle keep-alive connection is closed after this.
        public var idleTimeout: Duration = .seconds(75)
        /// Requests one connection may have in flight before reading pauses.
        public var maxPipelinedRequests: Int = 128
        /// Unsent response bytes per connection before reading pauses.
        public var writeHighWaterBytes: Int = 1 << 20
        /// Open connections allowed.
        public var maxConnections: Int = 10_000
        /// The model behind the classic routes (`/predict`, `/metadata`, …).
        public var defaultModel: String = "iris"
        /// How long a model's metadata (needed to name and type the inputs
        /// of row-format requests) is reused before it is asked for again.
        public var metadataTTL: Duration = .seconds(1)
        /// How often timeouts are checked.
        public var sweepInterval: Duration = .milliseconds(100)
        /// Makes each connection's byte transform: TLS when set (see the TLS module).
        public var transforms: (any ByteTransformFactory)? = nil
        /// Open connections allowed from one remote host (`--max-connections-per-address`); nil = no cap.
        public var maxConnectionsPerAddress: Int? = nil
        /// `/metrics` without a token even when the server checks tokens (`--metrics-public`).
        public var metricsPublic = false

        public init() {}
    }

    public let options: Options
    /// The port actually listened on.
    public var boundPort: Int { server.boundPort }
    /// The counters behind `/metrics`.
    public let metrics: RESTMetrics
    private let server: StreamServer

    /// Binds and starts serving `handler` over HTTP on the loops of `group`.
    /// - Parameters:
    ///   - members: fan-out member health for `/health/all`; nil lists models only.
    ///   - gate: tokens and rate limits for every route but health and readiness; nil admits all.
    public init(options: Options, handler: any CallHandler, group: EventLoopGroup,
                metrics: RESTMetrics = RESTMetrics(), members: (any MemberHealthSource)? = nil,
                gate: AccessGate? = nil, logger: Logger = Logger(label: "swerve.rest")) throws {
        self.options = options
        self.metrics = metrics
        let router = Router(handler: handler, options: options, metrics: metrics, members: members, gate: gate, logger: logger)
        let shared = RESTServerShared(options: options, router: router, metrics: metrics)
        var streamOptions = StreamServer.Options(maxConnections: options.maxConnections,
                                                 sweepInterval: options.sweepInterval)
        streamOptions.transforms = options.transforms
        streamOptions.maxConnectionsPerAddress = options.maxConnectionsPerAddress
        server = try StreamServer(host: options.host, port: options.port, group: group, options: streamOptions) { connection in
            HTTPConnection(connection: connection, server: shared)
        }
    }

    /// Stops accepting, lets requests in flight finish (at most `grace`),
    /// closes every connection. Idempotent.
    public func shutdown(grace: Duration = .seconds(5)) {
        server.shutdown(grace: grace)
    }
}

/// What every connection of one server shares (immutable).
final class RESTServerShared: Sendable {
    let options: RESTServer.Options
    let router: Router
    let metrics: RESTMetrics

    init(options: RESTServer.Options, router: Router, metrics: RESTMetrics) {
        self.options = options
        self.router = router
        self.metrics = metrics
    }
}
