import ArgumentParser
import Auth
import Jobs
import Logging
import Streaming

/// Flags every broker-facing stream service shares.
struct StreamBrokerOptions: ParsableArguments {
    @Option(help: "RabbitMQ URL amqp://user:pass@host:port/vhost (an empty path or '/' is the default vhost).")
    var broker: String = EnvironmentDefaults.value("BROKER", "amqp://guest:guest@127.0.0.1:5672/")

    @Option(help: "Seconds between connection attempts while the broker is unreachable.")
    var retrySeconds: Double = EnvironmentDefaults.value("RETRY_SECONDS", 2)

    func validate() throws {
        _ = try url()
        guard retrySeconds > 0 else { throw ValidationError("--retry-seconds must be positive") }
    }

    func url() throws -> BrokerURL {
        do { return try BrokerURL(broker) } catch { throw ValidationError("--broker: \(error)") }
    }

    func options() throws -> BrokerOptions {
        BrokerOptions(url: try url(), retry: .milliseconds(Int64(retrySeconds * 1000)))
    }
}

/// Logging and the optional Prometheus endpoint of a stream service.
struct StreamServiceOptions: ParsableArguments {
    @Option(name: .customLong("metrics-port"), help: "Serve Prometheus text on GET /metrics at this port (0 picks one; default: off).")
    var metricsPortFlag: Int?

    var metricsPort: Int? { metricsPortFlag ?? EnvironmentDefaults.optional("METRICS_PORT") }

    @Option(help: "Address the metrics endpoint listens on (IPv4).")
    var metricsHost: String = EnvironmentDefaults.value("METRICS_HOST", "0.0.0.0")

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = EnvironmentDefaults.value("LOG_LEVEL", "info")

    /// With `--auth-tokens`, the metrics endpoint needs scope `metrics`.
    @OptionGroup var tokens: TokenFileOptions

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port \(metricsPort) is not in 0...65535")
        }
    }

    /// Sets up logging to stderr and returns the service's logger.
    func logger(_ label: String) -> Logger { Self.logger(label, level: logLevel) }

    /// Logging to stderr at `level` (validated by the caller), once per process.
    static func logger(_ label: String, level name: String) -> Logger {
        let level = Logger.Level(rawValue: name) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }

    /// Starts the metrics endpoint when asked for; prints where it listens.
    func serveMetrics(_ statistics: StreamStatistics, service: String, gate: AccessGate?) throws -> JobMetricsServer? {
        guard let metricsPort else { return nil }
        do {
            let server = try JobMetricsServer(host: metricsHost, port: metricsPort, gate: gate) { statistics.prometheusText() }
            print("swerve stream \(service): metrics on \(metricsHost):\(server.port)")
            return server
        } catch {
            printError("swerve stream \(service): \(error)")
            throw ExitCode(1)
        }
    }
}
