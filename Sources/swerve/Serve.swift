import ArgumentParser
import Logging
import ModelServer
import Serving
import Transport

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the models of a repository over the binary protocol.")

    @Option(help: "Model repository: DIR/<name>/<version>/model.onnx, optional DIR/<name>/config.json.")
    var models: String = EnvironmentDefaults.value("MODELS", "./models")

    @Option(help: "Address to listen on; 0.0.0.0 (or ::) for every interface, e.g. in a container.")
    var host: String = EnvironmentDefaults.value("HOST", "127.0.0.1")

    @Option(help: "Binary-protocol port (0 picks a free one).")
    var port: Int = EnvironmentDefaults.value("PORT", 8500)

    @Option(help: "Seconds between repository scans for new, changed or removed versions.")
    var pollSeconds: Double = EnvironmentDefaults.value("POLL_SECONDS", 2)

    @Option(help: ArgumentHelp(
        "Who changes what serves: poll (the directory, every --poll-seconds), explicit (only load/unload calls), or both.",
        discussion: "explicit loads the --load-model models at startup; both polls, and an explicit unload holds until a load."))
    var repositoryControl: String = EnvironmentDefaults.value("REPOSITORY_CONTROL", "poll")

    @Option(name: .customLong("load-model"),
            help: "With --repository-control explicit: a model to load at startup (repeatable; * loads every one).")
    var loadModels: [String] = EnvironmentDefaults.list("LOAD_MODELS")

    @Option(help: "Event loops (threads) serving connections (default: one per core).")
    var loops: Int = EnvironmentDefaults.value("LOOPS", EventLoopGroup.defaultLoopCount)

    @Option(help: "Largest accepted request frame, in bytes.")
    var maxFrameBytes: Int = EnvironmentDefaults.value("MAX_FRAME_BYTES", 16 * 1024 * 1024)

    @Option(help: "Open connections allowed; more are refused.")
    var maxConnections: Int = EnvironmentDefaults.value("MAX_CONNECTIONS", 10_000)

    @Option(help: "Requests one connection may have in flight before the server stops reading it.")
    var maxInFlight: Int = EnvironmentDefaults.value("MAX_IN_FLIGHT", 1024)

    @Option(help: "Unsent response bytes per connection before the server stops reading it.")
    var writeHighWaterBytes: Int = EnvironmentDefaults.value("WRITE_HIGH_WATER_BYTES", 1 << 20)

    @Option(help: "Close connections idle this many seconds (0: never).")
    var idleTimeoutSeconds: Double = EnvironmentDefaults.value("IDLE_TIMEOUT_SECONDS", 300)

    @Option(help: "On SIGTERM/SIGINT, seconds to let calls in flight finish.")
    var graceSeconds: Double = EnvironmentDefaults.value("GRACE_SECONDS", 10)

    @OptionGroup(title: "Asynchronous jobs") var jobOptions: JobOptions

    @Option(help: "trace, debug (one access-log line per call), info, notice, warning, error or critical.")
    var logLevel: String = EnvironmentDefaults.value("LOG_LEVEL", "info")

    @OptionGroup(title: "Fan-out models") var fanOut: FanOutOptions

    @OptionGroup(title: "REST adapter") var restOptions: ServeRESTOptions

    @OptionGroup(title: "gRPC") var grpcOptions: GRPCServeOptions

    @OptionGroup(title: "Prediction cache") var cacheOptions: CacheOptions

    @OptionGroup(title: "TLS") var tlsOptions: ServerTLSOptions

    @OptionGroup(title: "Security") var authOptions: AuthOptions

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not in 0...65535") }
        guard pollSeconds > 0 else { throw ValidationError("--poll-seconds must be positive") }
        guard let control = RepositoryControl(rawValue: repositoryControl) else {
            throw ValidationError("--repository-control '\(repositoryControl)' is not one of poll, explicit, both")
        }
        if !loadModels.isEmpty && control != .explicit {
            throw ValidationError("--load-model needs --repository-control explicit (in \(control.rawValue) mode the poller loads every model)")
        }
        guard loops >= 1 else { throw ValidationError("--loops must be at least 1") }
        guard graceSeconds >= 0 else { throw ValidationError("--grace-seconds must not be negative") }
        guard idleTimeoutSeconds >= 0 else { throw ValidationError("--idle-timeout-seconds must not be negative") }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swerve")

        var options = SwerveServer.Options(modelsDirectory: models)
        options.host = host
        options.port = port
        options.loops = loops
        options.pollInterval = seconds(pollSeconds)
        options.repositoryControl = RepositoryControl(rawValue: repositoryControl) ?? .poll
        options.startupModels = loadModels
        options.fanOutMembers = fanOut.endpointOverrides
        options.memberTLS = fanOut.memberTLS
        options.memberToken = fanOut.memberToken
        options.limits = ServerLimits(
            maxFrameLength: maxFrameBytes,
            maxInFlightPerConnection: maxInFlight,
            writeHighWaterMark: writeHighWaterBytes,
            idleTimeout: idleTimeoutSeconds > 0 ? seconds(idleTimeoutSeconds) : nil,
            maxConnections: maxConnections)
        options.rest = restOptions.serverOptions(host: host)
        options.grpc = grpcOptions.options
        options.jobs = try jobOptions.queueOptions()
        options.cacheDefault = try cacheOptions.defaultSettings()
        options.cacheRedis = try cacheOptions.redisAddress()
        options.cacheRedisTTLSeconds = cacheOptions.cacheRedisTtlSeconds
        options.tls = tlsOptions.configuration
        options.rest?.metricsPublic = authOptions.metricsPublic
        options.rest?.maxConnectionsPerAddress = authOptions.connectionsPerAddress
        options.limits.maxConnectionsPerAddress = authOptions.connectionsPerAddress
        do {
            options.gate = try authOptions.makeGate(host: host, logger: logger)
        } catch {
            printError("swerve: cannot serve: \(error)")
            throw ExitCode(1)
        }

        let server: SwerveServer
        do {
            server = try SwerveServer(options: options, logger: logger)
        } catch {
            printError("swerve: cannot serve: \(error)")
            throw ExitCode(1)
        }
        try server.shutdownOnSignals(grace: seconds(graceSeconds))
        let health = server.repository.health()
        if let rest = server.restServer {
            // Printed before the "listening on" line, so whoever waits for that line has this one too.
            print("swerve REST on \(displayHost):\(rest.boundPort) (HTTP/JSON)")
        }
        if options.grpc != nil {
            let shared = server.grpcPort == server.boundPort ? ", shared with the binary protocol" : ""
            print("swerve gRPC on \(displayHost):\(server.grpcPort) (KServe V2, TF Serving, health\(shared))")
        }
        // Tests and scripts read this line to learn the port; keep its shape.
        print("swerve \(SwerveServer.version) listening on \(displayHost):\(server.boundPort) (binary protocol), "
              + "\(health.available)/\(health.total) models available, \(loops) loops")
        fflush(stdout)
        server.waitUntilShutdown()
        logger.info("stopped")
    }

    private var displayHost: String { host.contains(":") ? "[\(host)]" : host }

    private func seconds(_ s: Double) -> Duration { .milliseconds(Int64((s * 1000).rounded())) }
}

#if canImport(Glibc)
import Glibc
#endif
