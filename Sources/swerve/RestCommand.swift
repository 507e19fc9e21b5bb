#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Auth
import Logging
import REST
import Serving
import SwerveClient
import TLS
import Transport

/// `swerve rest --upstream HOST:PORT --port 8501`: the REST adapter on its
/// own, translating HTTP/JSON to the binary protocol of a `swerve serve`
/// over pooled, pipelined TCP connections.
struct Rest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the REST adapter in front of a binary-protocol server.")

    @Option(help: "The binary-protocol server to forward to, host:port.")
    var upstream: String = EnvironmentDefaults.value("UPSTREAM", "127.0.0.1:8500")

    @Option(help: "Address to listen on; 0.0.0.0 (or ::) for every interface.")
    var host: String = EnvironmentDefaults.value("HOST", "127.0.0.1")

    @Option(help: "REST port (0 picks a free one).")
    var port: Int = EnvironmentDefaults.value("PORT", 8501)

    @Option(help: "Event loops (threads) serving connections (default: one per core).")
    var loops: Int = EnvironmentDefaults.value("LOOPS", EventLoopGroup.defaultLoopCount)

    @Option(help: "Upstream connections per loop (calls on each are pipelined).")
    var upstreamConnections: Int = EnvironmentDefaults.value("UPSTREAM_CONNECTIONS", 2)

    @Option(help: "Seconds an upstream call may take when the request sets no deadline.")
    var upstreamTimeoutSeconds: Double = EnvironmentDefaults.value("UPSTREAM_TIMEOUT_SECONDS", 30)

    @OptionGroup(title: "REST adapter") var rest: RESTOptions

    @OptionGroup(title: "TLS") var tls: ServerTLSOptions

    @Option(help: ArgumentHelp("Speak TLS to --upstream and trust its certificate if this CA issued it.", valueName: "PEM"))
    var upstreamTlsCa: String = EnvironmentDefaults.value("UPSTREAM_TLS_CA", "")

    @Option(help: ArgumentHelp("Mutual TLS to --upstream: present this certificate (with --upstream-tls-client-key).", valueName: "PEM"))
    var upstreamTlsClientCert: String = EnvironmentDefaults.value("UPSTREAM_TLS_CLIENT_CERT", "")

    @Option(help: ArgumentHelp("The private key of --upstream-tls-client-cert.", valueName: "PEM"))
    var upstreamTlsClientKey: String = EnvironmentDefaults.value("UPSTREAM_TLS_CLIENT_KEY", "")

    @Option(help: "Token sent upstream with every call instead of the caller's own (default: forward the caller's Authorization bearer token).")
    var upstreamToken: String? = EnvironmentDefaults.optional("UPSTREAM_TOKEN")

    @OptionGroup(title: "Security") var authOptions: AuthOptions

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = EnvironmentDefaults.value("LOG_LEVEL", "info")

    func validate() throws {
        guard ServerAddress(upstream) != nil else {
            throw ValidationError("--upstream '\(upstream)' is not host:port (IPv6 in brackets: [::1]:8500)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not in 0...65535") }
        guard loops >= 1 else { throw ValidationError("--loops must be at least 1") }
        guard upstreamConnections >= 1 else { throw ValidationError("--upstream-connections must be at least 1") }
        guard upstreamTimeoutSeconds > 0, upstreamTimeoutSeconds <= 86_400 else {
            throw ValidationError("--upstream-timeout-seconds must be in (0, 86400]")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level '\(logLevel)' is not a log level") }
        _ = try upstreamTLSConfiguration()
    }

    private func upstreamTLSConfiguration() throws -> TLSClientConfiguration? {
        try clientTLSConfiguration(ca: upstreamTlsCa, certificate: upstreamTlsClientCert, key: upstreamTlsClientKey, flagPrefix: "upstream-")
    }

    /// TLS to the upstream when any --upstream-tls-* flag is given.
    private func upstreamTLSContext() throws -> TLSClientContext? {
        try upstreamTLSConfiguration().map { try TLSClientContext($0) }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swerve.rest")
        let address = ServerAddress(upstream)!
        // Block SIGTERM/SIGINT before any thread starts (threads inherit the
        // mask), so only the main thread's sigwait below receives them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        // After the mask: the SIGHUP reload thread must not take SIGTERM either.
        let gate: AccessGate?
        let upstreamTLS: TLSClientContext?
        var restOptions = rest.serverOptions(host: host, port: port)
        do {
            gate = try authOptions.makeGate(host: host, logger: logger)
            upstreamTLS = try upstreamTLSContext()
            if let configuration = tls.configuration {
                restOptions.transforms = try TLSServerContext(configuration, alpn: ["http/1.1"], logger: logger)
            }
        } catch {
            printError("swerve: cannot serve REST: \(error)")
            throw ExitCode(1)
        }
        let group = try EventLoopGroup(loopCount: loops, name: "swerve-rest")
        let handler = UpstreamCallHandler(host: address.host, port: address.port, group: group,
                                          connectionsPerLoop: upstreamConnections,
                                          requestTimeout: .milliseconds(Int64(upstreamTimeoutSeconds * 1000)),
                                          transforms: upstreamTLS, token: upstreamToken)
        let server: RESTServer
        do {
            restOptions.metricsPublic = authOptions.metricsPublic
            restOptions.maxConnectionsPerAddress = authOptions.connectionsPerAddress
            server = try RESTServer(options: restOptions, handler: handler, group: group, gate: gate, logger: logger)
            if let gate { server.metrics.addCollector { gate.failures.prometheusText() } }
        } catch {
            group.shutdown()
            printError("swerve: cannot serve REST: \(error)")
            throw ExitCode(1)
        }
        let displayHost = host.contains(":") ? "[\(host)]" : host
        print("swerve REST on \(displayHost):\(server.boundPort) (HTTP/JSON), upstream \(upstream) (binary protocol), \(loops) loops")
        fflush(stdout)
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        logger.info("signal \(received): shutting down")
        server.shutdown(grace: .seconds(5))
        handler.close()
        group.shutdown()
        logger.info("stopped")
    }
}
