import ArgumentParser
import TLS
import SwerveClient
#if canImport(Glibc)
import Glibc
#endif

/// `swerve-bench`: the command line. Parsing and validation only; the run
/// itself is ``BenchRunner``.
public struct SwerveBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "swerve-bench",
        abstract: "Load generator for swerve's binary protocol and REST predict.",
        discussion: """
        Closed loop:  swerve-bench --target 127.0.0.1:8500 --connections 32 --pipeline 16 --duration 10
        Open loop:    swerve-bench --target 127.0.0.1:8500 --rate 20000 --duration 10
        HTTP:         swerve-bench --http http://127.0.0.1:8501/v1/models/iris:predict --features 4
        Jobs:         swerve-bench --target 127.0.0.1:8500 --workload submit
        Mixed:        swerve-bench --target 127.0.0.1:8500 --mix predict=8,submit=1,fanout=1 --fanout-model iris-ovr
        """)

    @Option(help: "Binary-protocol server, HOST:PORT (e.g. 127.0.0.1:8500).")
    var target: String?

    @Option(help: "HTTP predict URL, e.g. http://127.0.0.1:8501/v1/models/iris:predict (HTTP/1.1, keep-alive; https:// for TLS).")
    var http: String?

    @Option(help: ArgumentHelp("TLS: trust the server's certificate if this CA issued it (turns TLS on for --target; "
        + "for --http use an https:// URL).", valueName: "PEM"))
    var tlsCa: String?

    @Option(help: "predict, submit (submit-then-poll until done) or fanout (predict on --fanout-model, or --model).")
    var workload: String = "predict"

    @Option(help: "Weighted mix instead of one workload, e.g. predict=8,submit=1,fanout=1.")
    var mix: String?

    @Option(help: "Model to call.")
    var model: String = "iris"

    @Option(help: "Fan-out model for the fanout workload in a --mix.")
    var fanoutModel: String?

    @Option(help: "Rows per request.")
    var batch: Int = 1

    @Option(help: "File of rows to send in turn: one row per line, numbers separated by commas or spaces (brackets allowed). Default: random rows.")
    var rows: String?

    @Option(help: "Features per random row (default: from the model's metadata; required with --http unless --rows).")
    var features: Int?

    @Option(help: "Name of the model input (default: from the model's metadata).")
    var input: String?

    @Option(help: "Seed of the random rows.")
    var seed: UInt64 = 1

    @Option(help: "Percent of requests repeating one of 10 hot batches; the others each send a batch not sent for a long while (measures a prediction cache). Default: cycle through 64 batches.")
    var repeatPercent: Int?

    @Option(help: "Connections, spread over the event loops.")
    var connections: Int = 32

    @Option(help: "Closed loop: requests in flight per connection.")
    var pipeline: Int?

    @Option(help: "Open loop: requests per second in total, on a fixed schedule (latency from each intended send time).")
    var rate: Double?

    @Option(help: "Open loop: most requests in flight per connection; later ones wait (and that wait counts).")
    var maxInFlight: Int = 1024

    @Option(name: .customLong("tick-us"), help: "Open loop: wake at most once per this many µs and send every request then due (0: wake for each request). Latency still counts from each intended send time.")
    var tickMicroseconds: Double = 0

    @Option(help: "Seconds to measure (default 10 unless --requests).")
    var duration: Double?

    @Option(help: "Requests to measure, instead of --duration.")
    var requests: Int?

    @Option(help: "Seconds of load before measuring.")
    var warmup: Double = 1

    @Option(help: "Event loops (threads) of the load generator.")
    var loops: Int = 1

    @Option(help: "Seconds before a request counts as a TIMEOUT error.")
    var timeout: Double = 30

    @Option(help: "Milliseconds between GetJob polls of one job (submit workload).")
    var pollInterval: Double = 1

    @Option(help: "Bearer token for a server started with --auth-tokens (default: SWERVE_TOKEN).")
    var token: String? = getenv("SWERVE_TOKEN").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

    @Option(help: "Write the result as JSON to this file.")
    var json: String?

    @Option(help: "Write a self-contained HTML report (latency percentiles, throughput over time) to this file.")
    var html: String?

    @Option(help: "Report the CPU use of this server process and its threads (Linux /proc).")
    var serverPid: Int32?

    @Flag(help: "No live progress line.")
    var quiet = false

    public init() {}

    public mutating func validate() throws {
        do {
            _ = try makeConfiguration()
        } catch let error as BenchError {
            throw ValidationError(error.description)
        }
    }

    public func run() throws {
        let configuration: BenchConfiguration
        do {
            configuration = try makeConfiguration()
        } catch let error as BenchError {
            throw ValidationError(error.description)
        }
        do {
            let result = try BenchRunner(configuration: configuration).run()
            print(result.summaryTable())
            if let path = configuration.jsonPath { try BenchReport.write(result.jsonText(), to: path) }
            if let path = configuration.htmlPath { try BenchReport.write(result.htmlText(), to: path) }
        } catch let error as BenchError {
            printToStandardError("swerve-bench: \(error)")
            throw ExitCode(1)
        }
    }

    /// Checks every option and builds the run's configuration.
    /// Throws ``BenchError/invalidArgument(_:)`` naming the offending option.
    public func makeConfiguration() throws -> BenchConfiguration {
        let target: BenchConfiguration.Target
        switch (self.target, http) {
        case (nil, nil), (.some, .some):
            throw BenchError.invalidArgument("give exactly one of --target HOST:PORT (binary protocol) or --http URL")
        case (let text?, nil):
            guard let address = ServerAddress(text) else {
                throw BenchError.invalidArgument("--target '\(text)' is not HOST:PORT with a port in 1...65535 (e.g. 127.0.0.1:8500)")
            }
            target = .binary(host: address.host, port: address.port)
        case (nil, let url?):
            target = try Self.parseHTTPURL(url)
        }
        var tls: TLSClientConfiguration?
        if let url = http, url.hasPrefix("https://") {
            tls = TLSClientConfiguration(caFile: tlsCa)
        } else if http != nil, tlsCa != nil {
            throw BenchError.invalidArgument("--tls-ca with --http needs an https:// URL")
        } else if let tlsCa {
            tls = TLSClientConfiguration(caFile: tlsCa)
        }

        var mixWeights: [WorkloadWeight]
        if let mix {
            mixWeights = try WorkloadWeight.parseMix(mix)
        } else {
            guard let kind = WorkloadKind(rawValue: workload) else {
                throw BenchError.invalidArgument("--workload '\(workload)' is not one of predict, submit, fanout")
            }
            mixWeights = [WorkloadWeight(kind: kind, weight: 1)]
        }
        var fanOut = fanoutModel
        if mix == nil, mixWeights.first?.kind == .fanout, fanOut == nil { fanOut = model }
        if mixWeights.contains(where: { $0.kind == .fanout }), fanOut == nil {
            throw BenchError.invalidArgument("--mix with fanout needs --fanout-model NAME (the fan-out model to call)")
        }
        if case .http = target, mixWeights.contains(where: { $0.kind != .predict }) {
            throw BenchError.invalidArgument("--http supports only the predict workload (submit and fanout go over --target)")
        }
        guard !model.isEmpty else { throw BenchError.invalidArgument("--model must not be empty") }
        guard batch >= 1 else { throw BenchError.invalidArgument("--batch must be at least 1, got \(batch)") }
        if let repeatPercent {
            guard (0...100).contains(repeatPercent) else { throw BenchError.invalidArgument("--repeat-percent must be 0...100, got \(repeatPercent)") }
            guard rows == nil else { throw BenchError.invalidArgument("--repeat-percent makes its own random rows; drop --rows") }
        }
        if let features, features < 1 { throw BenchError.invalidArgument("--features must be at least 1, got \(features)") }
        if case .http = target, rows == nil, features == nil {
            throw BenchError.invalidArgument("--http needs --features N (random rows) or --rows FILE: the model's input width cannot be asked over HTTP")
        }
        guard connections >= 1 else { throw BenchError.invalidArgument("--connections must be at least 1, got \(connections)") }
        guard loops >= 1 else { throw BenchError.invalidArgument("--loops must be at least 1, got \(loops)") }

        let load: BenchConfiguration.Load
        if let rate {
            guard pipeline == nil else {
                throw BenchError.invalidArgument("--pipeline is for the closed loop; with --rate (open loop) bound in-flight requests with --max-in-flight")
            }
            guard rate > 0, rate.isFinite else { throw BenchError.invalidArgument("--rate must be a positive number of requests per second, got \(rate)") }
            guard maxInFlight >= 1 else { throw BenchError.invalidArgument("--max-in-flight must be at least 1, got \(maxInFlight)") }
            load = .open(rate: rate, maxInFlight: maxInFlight)
        } else {
            let depth = pipeline ?? 1
            guard depth >= 1 else { throw BenchError.invalidArgument("--pipeline must be at least 1, got \(depth)") }
            load = .closed(pipeline: depth)
        }

        if duration != nil && requests != nil {
            throw BenchError.invalidArgument("give --duration or --requests, not both")
        }
        if let duration { guard duration > 0, duration.isFinite else { throw BenchError.invalidArgument("--duration must be a positive number of seconds, got \(duration)") } }
        if let requests { guard requests >= 1 else { throw BenchError.invalidArgument("--requests must be at least 1, got \(requests)") } }
        guard warmup >= 0, warmup.isFinite else { throw BenchError.invalidArgument("--warmup must not be negative, got \(warmup)") }
        guard timeout > 0, timeout.isFinite else { throw BenchError.invalidArgument("--timeout must be a positive number of seconds, got \(timeout)") }
        guard tickMicroseconds >= 0, tickMicroseconds.isFinite else { throw BenchError.invalidArgument("--tick-us must not be negative, got \(tickMicroseconds)") }
        guard pollInterval >= 0, pollInterval.isFinite else { throw BenchError.invalidArgument("--poll-interval must not be negative, got \(pollInterval)") }
        if let serverPid, serverPid <= 0 { throw BenchError.invalidArgument("--server-pid must be a process id, got \(serverPid)") }

        var configuration = BenchConfiguration(
            target: target, mix: mixWeights, model: model, fanOutModel: fanOut, batch: batch,
            rowsFile: rows, features: features, inputName: input, seed: seed,
            connections: connections, load: load,
            duration: requests == nil ? (duration ?? 10) : nil, requests: requests,
            warmup: warmup, loops: loops, timeout: timeout, pollInterval: pollInterval, tick: tickMicroseconds,
            jsonPath: json, htmlPath: html, serverPID: serverPid, showProgress: !quiet, repeatPercent: repeatPercent,
            token: token)
        configuration.tls = tls
        return configuration
    }

    /// Parses `http://HOST[:PORT]/PATH` or `https://…` (TLS: see `--tls-ca`).
    static func parseHTTPURL(_ url: String) throws -> BenchConfiguration.Target {
        let example = "e.g. http://127.0.0.1:8501/v1/models/iris:predict"
        let isTLS = url.hasPrefix("https://")
        guard url.hasPrefix("http://") || isTLS else {
            throw BenchError.invalidArgument("--http '\(url)' must start with http:// or https://, \(example)")
        }
        let rest = url.dropFirst(isTLS ? "https://".count : "http://".count)
        let authority = rest.prefix(while: { $0 != "/" })
        let path = rest.dropFirst(authority.count)
        guard !authority.isEmpty else {
            throw BenchError.invalidArgument("--http '\(url)' has no host, \(example)")
        }
        let host: String
        let port: Int
        if let address = ServerAddress(String(authority)) {
            host = address.host
            port = address.port
        } else if !authority.contains(":") || (authority.hasPrefix("[") && authority.hasSuffix("]")) {
            host = authority.hasPrefix("[") ? String(authority.dropFirst().dropLast()) : String(authority)
            port = isTLS ? 443 : 80
        } else {
            throw BenchError.invalidArgument("--http '\(url)': '\(authority)' is not HOST[:PORT] with a port in 1...65535, \(example)")
        }
        return .http(host: host, port: port, path: path.isEmpty ? "/" : String(path))
    }
}

func printToStandardError(_ text: String) {
    fputs(text + "\n", stderr)
}
