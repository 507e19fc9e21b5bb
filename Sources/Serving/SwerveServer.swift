#if canImport(Glibc)
import Glibc
#endif
import Auth
import GRPC
import GRPCServices
import Jobs
import Logging
import ModelServer
import Primitives
import REST
import Redis
import TLS
import Transport
import Wire

/// Everything `swerve serve` runs: the model repository (with its poller),
/// the dispatcher and the binary-protocol listener. `swerve worker` runs the
/// same assembly without listeners (it only takes jobs).
///
/// Lifecycle: `init` loads the repository and starts listening, so a server
/// that was created is ready; `shutdown` stops accepting, finishes calls in
/// flight (bounded by `grace`) and stops the repository. Thread-safety: all
/// methods may be called from any thread except the server's own loops.
public final class SwerveServer: Sendable {
    /// How to run a server.
    public struct Options: Sendable {
        public var modelsDirectory: String
        public var host: String = "127.0.0.1"
        /// 0 picks a free port; see `boundPort`.
        public var port: Int = 8500
        /// Listen on `host:port` for the binary protocol; false for a process
        /// that only runs jobs (`swerve worker`).
        public var servesBinaryProtocol = true
        /// Event loops (threads) serving connections; default one per core.
        public var loops: Int = EventLoopGroup.defaultLoopCount
        public var pollInterval: Duration = .seconds(2)
        /// Who changes what serves: the poller, load/unload calls, or both.
        public var repositoryControl: RepositoryControl = .poll
        /// With explicit control: the models loaded at startup (`*` = all).
        public var startupModels: [String] = []
        public var limits = ServerLimits()
        /// Fan-out member endpoint overrides: member name (or `model/member`) → `HOST:PORT`.
        public var fanOutMembers: [String: String] = [:]
        /// Bearer token for fan-out members started with `--auth-tokens` (`--member-token`).
        public var memberToken: String? = nil
        /// The REST adapter on the same loops; nil turns it off.
        public var rest: RESTServer.Options? = RESTServer.Options()
        /// gRPC (KServe V2, TF Serving, health) on the same loops; nil turns it off.
        public var grpc: GRPCOptions? = GRPCOptions()
        /// Submit/GetJob and their workers; nil answers them UNIMPLEMENTED.
        public var jobs: JobQueueOptions? = nil
        /// The prediction cache for models whose config.json has no
        /// `"cache"` (`serve --cache-default`); nil caches only those that do.
        public var cacheDefault: CacheSettings? = nil
        /// A prediction cache level shared through Redis (`--cache-redis`); nil = in process only.
        public var cacheRedis: RedisAddress? = nil
        /// Expiry of every shared cache entry (`--cache-redis-ttl-seconds`).
        public var cacheRedisTTLSeconds = 300
        /// TLS on the binary-protocol and REST ports (`--tls-cert`, `--tls-key`,
        /// `--tls-client-ca`); nil = plain text.
        public var tls: TLSServerConfiguration? = nil
        /// TLS to fan-out members (`--member-tls-ca`, and a client certificate
        /// for members that want one); nil = plain text.
        public var memberTLS: TLSClientConfiguration? = nil
        /// Tokens and rate limits on the binary and REST ports (`--auth-tokens`,
        /// `--rate-limit`); nil admits every call.
        public var gate: AccessGate? = nil

        public init(modelsDirectory: String) {
            self.modelsDirectory = modelsDirectory
        }

        /// A server that only runs calls in process (`swerve worker`'s
        /// jobs): no listeners, one loop for fan-out member connections.
        public static func withoutListeners(modelsDirectory: String) -> Options {
            var options = Options(modelsDirectory: modelsDirectory)
            options.servesBinaryProtocol = false
            options.rest = nil
            options.grpc = nil
            options.loops = 1
            return options
        }
    }

    /// The version string Health reports and `swerve --version` prints.
    public static let version = "0.1.0"

    public let options: Options
    public let repository: ModelRepository
    public let dispatcher: Dispatcher
    /// Answers repeated Predict calls of cached models.
    public let cache: PredictionCache
    /// Merges Predict calls of batching models.
    public let batcher: AdaptiveBatcher
    /// Runs Predict on fan-out models; `fanOut.aggregator.memberHealth()` reports their members.
    public let fanOut: FanOutAdapter
    private let frameServer: FrameServer?
    /// gRPC on a port of its own (`GRPCOptions.port` > 0); nil when it
    /// shares the binary port or is off.
    private let grpcServer: GRPCServer?
    /// The in-process REST adapter, when `options.rest` is set.
    public let restServer: RESTServer?
    private let group: EventLoopGroup
    let logger: Logger
    /// Runs Submit/GetJob (see SwerveServer+Jobs.swift).
    let jobQueue: (any JobQueue)?
    /// The report of the one drain `stopJobs` runs.
    let jobDrain = Locked<JobDrainReport?>(nil)

    /// Loads the repository (every model's first load happens here) and
    /// starts listening.
    public init(options: Options, logger: Logger) throws {
        self.options = options
        self.logger = logger
        repository = ModelRepository(root: options.modelsDirectory, pollInterval: options.pollInterval, logger: logger,
                                     control: options.repositoryControl, startupModels: options.startupModels)
        try repository.start()
        do {
            group = try EventLoopGroup(loopCount: max(1, options.loops), name: "swerve-loop")
        } catch {
            repository.stop()
            throw error
        }
        let reference: DispatcherReference
        do {
            (fanOut, reference) = try Self.makeFanOut(repository: repository, group: group, members: options.fanOutMembers,
                                                      memberTLS: options.memberTLS, memberToken: options.memberToken,
                                                      pollInterval: options.pollInterval, logger: logger)
        } catch {
            group.shutdown()
            repository.stop()
            throw error
        }
        let queue = Self.makeJobQueue(options.jobs, logger: logger)
        jobQueue = queue
        cache = PredictionCache(defaultSettings: options.cacheDefault, shared: options.cacheRedis.map {
            RedisPredictionStore(address: $0, ttlSeconds: options.cacheRedisTTLSeconds, logger: logger)
        })
        cache.attach(to: repository)
        batcher = AdaptiveBatcher()
        dispatcher = Dispatcher(repository: repository, serverVersion: Self.version, logger: logger,
                                jobService: queue.map { [repository] in JobQueueService(queue: $0, repository: repository) },
                                fanOut: fanOut, cache: cache, batcher: batcher, gate: options.gate)
        reference.attach(dispatcher)
        do {
            let tls = try Self.makeTLS(options.tls, logger: logger)
            let handler = dispatcher
            let grpc = options.grpc.map { grpc in
                (options: grpc, router: ServingServices.router(handler: handler, gate: options.gate, serverVersion: Self.version),
                 limits: grpc.limits(options.limits))
            }
            let sharesPort = grpc != nil && options.grpc?.port == 0
            frameServer = try options.servesBinaryProtocol ? FrameServer(
                host: options.host, port: options.port, handler: DispatchFrameHandler(dispatcher: dispatcher),
                limits: options.limits, group: group, transforms: tls?.binary,
                sharedWith: sharesPort ? grpc.map { $0.router.sharedPortProtocol(limits: $0.limits) } : nil) : nil
            var ownGRPC: GRPCServer?
            do {
                if let grpc, grpc.options.port > 0 {
                    var streamOptions = StreamServer.Options(maxConnections: options.limits.maxConnections,
                                                             closeTimeout: options.limits.closeTimeout)
                    streamOptions.transforms = tls?.binary
                    streamOptions.maxConnectionsPerAddress = options.limits.maxConnectionsPerAddress
                    ownGRPC = try GRPCServer(host: options.host, port: grpc.options.port, router: grpc.router, limits: grpc.limits,
                                             group: group, options: streamOptions)
                }
                if var restOptions = options.rest {
                    if let tls { restOptions.transforms = tls.rest }
                    let rest = try RESTServer(options: restOptions, handler: dispatcher, group: group,
                                              members: fanOut, gate: options.gate, logger: logger)
                    if let gate = options.gate { rest.metrics.addCollector { gate.failures.prometheusText() } }
                    rest.metrics.addCollector { [cache] in cache.prometheusText() }
                    rest.metrics.addCollector { [batcher] in batcher.statistics.prometheusText() }
                    restServer = rest
                } else {
                    restServer = nil
                }
            } catch {
                ownGRPC?.shutdown(grace: .zero)
                frameServer?.shutdown(grace: .zero)
                throw error
            }
            grpcServer = ownGRPC
        } catch {
            jobQueue?.shutdown(drain: .zero)
            fanOut.aggregator.shutdown()
            group.shutdown()
            repository.stop()
            throw error
        }
        startJobWorkers()
    }

    /// The port the binary protocol listens on (the real one when `port` was
    /// 0); 0 when `servesBinaryProtocol` is off.
    public var boundPort: Int { frameServer?.boundPort ?? 0 }

    /// The port gRPC is served on: its own, the binary protocol's when they
    /// share one, 0 when gRPC is off.
    public var grpcPort: Int {
        guard options.grpc != nil else { return 0 }
        return grpcServer?.boundPort ?? boundPort
    }

    /// Shuts down on SIGTERM or SIGINT; pair with `waitUntilShutdown()`.
    /// The listener's loop watches the signals: without the binary-protocol
    /// listener this does nothing, and the process waits for signals itself
    /// (`swerve worker` uses `sigwait`).
    public func shutdownOnSignals(grace: Duration) throws {
        try frameServer?.shutdownOnSignals([SIGTERM, SIGINT], grace: grace)
    }

    /// Blocks until the server has shut down, then stops the repository.
    public func waitUntilShutdown() {
        frameServer?.waitUntilShutdown()
        grpcServer?.shutdown(grace: .seconds(1))
        restServer?.shutdown(grace: .seconds(1))
        stopBehindTheListeners()
    }

    /// Stops accepting, lets in-flight calls finish (at most `grace`), closes
    /// every connection and stops the repository.
    public func shutdown(grace: Duration = .seconds(5)) {
        restServer?.shutdown(grace: grace)
        grpcServer?.shutdown(grace: grace)
        frameServer?.shutdown(grace: grace)
        stopBehindTheListeners()
    }

    /// Once nothing listens any more: the job workers first (jobs on fan-out
    /// models still need the aggregator and the loops), then the aggregator,
    /// the loops and the repository.
    private func stopBehindTheListeners() {
        stopJobs()
        batcher.shutdown()
        fanOut.aggregator.shutdown()
        group.shutdown()
        repository.stop()
    }
}
