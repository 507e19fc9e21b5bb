import TextFormats
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Auth
import Jobs
import Logging
import ModelRuntime
import ModelServer
import Serving
import SwerveClient
import Transport
import Wire

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit an asynchronous Predict and print its job id.",
        discussion: """
        With --count N the same input is submitted N times, --window calls in flight on one connection, \
        and a throughput line is printed instead of ids; --measure then waits for every job and prints \
        submit-to-finished latency percentiles (from the queue's own timestamps).
        """)

    @OptionGroup var client: ClientOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Input rows as JSON, e.g. '[[5.1,3.5,1.4,0.2]]' (\"NaN\" for a missing value).")
    var data: String

    @Option(help: "Input name (default: the model's only input).")
    var input: String?

    @Option(name: .customLong("output"), help: "Return only this output (repeatable).")
    var outputs: [String] = []

    @Option(help: "Submitting again with the same key within the result TTL returns the same job id.")
    var idempotencyKey: String = ""

    @Option(help: "Benchmark: submit this many copies.")
    var count: Int = 1

    @Option(help: "Benchmark: calls in flight at once.")
    var window: Int = 64

    @Flag(help: "Benchmark: wait for every job and print latency percentiles.")
    var measure = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        if count > 1 && !idempotencyKey.isEmpty {
            throw ValidationError("--idempotency-key with --count > 1 would submit one job; drop one of them")
        }
    }

    func run() throws {
        do {
            let swerve = try client.connect()
            defer { swerve.close() }
            let tensor = try JobInput.tensor(swerve, modelOptions, data: data, input: input)
            let request = PredictRequest(modelSpec: modelOptions.spec, inputs: [NamedTensor(tensor.0, tensor.1)],
                                         outputFilter: outputs)
            if count == 1 {
                print(try swerve.submit(request, idempotencyKey: idempotencyKey))
                return
            }
            try bench(request)
        } catch let error as ValidationError {
            throw error
        } catch let error as InputParsing.Failure {
            throw ValidationError(error.description)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw reportClientError(error)
        }
    }

    private func bench(_ request: PredictRequest) throws {
        guard let address = ServerAddress(client.server) else { throw ValidationError("--server '\(client.server)' is not host:port") }
        let pipelined = try SwervePipelinedClient(address: address, tls: try client.tls.context())
        defer { pipelined.close() }
        let calls = [Request.Call](repeating: .submit(SubmitRequest(request: request)), count: count)
        let start = ContinuousClock.now
        let results = try pipelined.callAll(calls, window: window)
        let elapsed = start.duration(to: .now)
        var ids: [String] = []
        var failures: [String: Int] = [:]
        for result in results {
            switch result {
            case .success(.submit(let s)): ids.append(s.jobId)
            case .success: failures["unexpected result", default: 0] += 1
            case .failure(let e): failures["\(e)", default: 0] += 1
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("submitted \(ids.count) of \(count) jobs in \(format(seconds)) s: \(format(Double(ids.count) / seconds)) submits/s (window \(window))")
        for (message, n) in failures.sorted(by: { $0.value > $1.value }) { print("  \(n) failed: \(message)") }
        guard measure, !ids.isEmpty else { return }
        // Poll in rounds until every job finished, then read the queue's timestamps.
        var pending = ids
        var latencies: [Int64] = []
        var failed = 0
        let deadline = ContinuousClock.now.advanced(by: .seconds(600))
        while !pending.isEmpty {
            let answers = try pipelined.callAll(pending.map { .getJob(GetJobRequest(jobId: $0)) }, window: window)
            var still: [String] = []
            for (id, answer) in zip(pending, answers) {
                guard case .success(.getJob(let job)) = answer else { still.append(id); continue }
                switch job.state {
                case .completed: latencies.append(job.finishedAtMicros - job.submittedAtMicros)
                case .failed: failed += 1
                default: still.append(id)
                }
            }
            pending = still
            if ContinuousClock.now > deadline { throw ValidationError("\(pending.count) jobs still unfinished after 600 s") }
            if !pending.isEmpty { usleep(20_000) }
        }
        latencies.sort()
        func percentile(_ p: Double) -> String {
            guard !latencies.isEmpty else { return "-" }
            let i = min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)
            return format(Double(latencies[max(0, i)]) / 1000) + " ms"
        }
        print("completed \(latencies.count), failed \(failed); submit-to-finished latency p50 \(percentile(0.5)), p99 \(percentile(0.99)), max \(percentile(1.0))")
    }

    private func format(_ value: Double) -> String {
        let scaled = (value * 10).rounded() / 10
        return String(scaled)
    }
}

struct Job: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a job's state and result as JSON (state: pending, processing, completed, failed).")

    @OptionGroup var client: ClientOptions

    @Argument(help: "The job id printed by `swerve submit`.")
    var id: String

    @Flag(help: "Wait until the job is completed or failed (at most --timeout-seconds).")
    var wait = false

    func run() throws {
        do {
            let swerve = try client.connect()
            defer { swerve.close() }
            let job = wait
                ? try swerve.waitForJob(id, timeout: .milliseconds(Int64(client.timeoutSeconds * 1000)))
                : try swerve.getJob(id)
            print(JSONWriter.job(job))
            if job.state == .failed { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw reportClientError(error)
        }
    }
}

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run jobs from a Redis queue: load the models, take jobs, store results.",
        discussion: "Stops on SIGTERM/SIGINT after finishing the jobs in hand (bounded by --drain-seconds).")

    @Option(help: "Model repository: DIR/<name>/<version>/model.onnx, optional DIR/<name>/config.json.")
    var models: String = EnvironmentDefaults.value("MODELS", "./models")

    @OptionGroup(title: "Job queue") var jobOptions: JobOptions

    @OptionGroup(title: "Fan-out models") var fanOut: FanOutOptions

    /// With `--auth-tokens`, the metrics endpoint needs scope `metrics`.
    @OptionGroup(title: "Security") var tokens: TokenFileOptions

    @Option(name: .customLong("metrics-port"), help: "Serve Prometheus text on GET /metrics at this port (0 picks one; default: off).")
    var metricsPortFlag: Int?

    /// `--metrics-port`, else SWERVE_METRICS_PORT, else off.
    var metricsPort: Int? { metricsPortFlag ?? EnvironmentDefaults.optional("METRICS_PORT") }

    @Option(help: "Address the metrics endpoint listens on (IPv4).")
    var metricsHost: String = EnvironmentDefaults.value("METRICS_HOST", "0.0.0.0")

    @Option(help: "Seconds between repository scans for new, changed or removed versions.")
    var pollSeconds: Double = EnvironmentDefaults.value("POLL_SECONDS", 2)

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = EnvironmentDefaults.value("LOG_LEVEL", "info")

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard case .redis? = try jobOptions.backend() else {
            throw ValidationError("--queue must be redis://host:port[/db] for a worker (got '\(jobOptions.queue)')")
        }
        if let workers = jobOptions.workers, workers < 1 {
            throw ValidationError("--workers must be at least 1 for a worker")
        }
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port \(metricsPort) is not in 0...65535")
        }
        guard pollSeconds > 0 else { throw ValidationError("--poll-seconds must be positive") }
    }

    func run() throws {
        // Block the stop signals before any thread starts, so every thread
        // inherits the mask and only sigwait below sees them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swerve-worker")
        // Before any thread starts, so only the reload thread takes SIGHUP.
        let gate: AccessGate?
        do {
            gate = try tokens.metricsGate(logger: logger)
        } catch {
            printError("swerve worker: \(error)")
            throw ExitCode(1)
        }
        guard var options = try jobOptions.queueOptions(), case .redis(let address) = options.backend else {
            throw ValidationError("--queue must be redis://host:port[/db]")
        }
        if options.workers == nil { options.workers = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

        // Jobs on fan-out models call their members like `serve` does.
        var serverOptions = SwerveServer.Options.withoutListeners(modelsDirectory: models)
        serverOptions.pollInterval = .milliseconds(Int64(pollSeconds * 1000))
        serverOptions.fanOutMembers = fanOut.endpointOverrides
        serverOptions.memberTLS = fanOut.memberTLS
        serverOptions.memberToken = fanOut.memberToken
        serverOptions.jobs = options
        let server: SwerveServer
        do {
            server = try SwerveServer(options: serverOptions, logger: logger)
        } catch {
            printError("swerve worker: cannot start: \(error)")
            throw ExitCode(1)
        }

        var metrics: JobMetricsServer?
        if let metricsPort {
            do {
                metrics = try JobMetricsServer(host: metricsHost, port: metricsPort, gate: gate) {
                    server.jobStatistics().map { JobMetricsServer.text($0) } ?? ""
                }
            } catch {
                printError("swerve worker: \(error)")
                server.shutdown(grace: .zero)
                throw ExitCode(1)
            }
        }
        let health = server.repository.health()
        // Tests and scripts read this line; keep its shape.
        var line = "swerve worker \(SwerveServer.version) taking jobs from \(address) with \(options.workerCount) workers, "
            + "\(health.available)/\(health.total) models available"
        if let metrics { line += ", metrics on \(metricsHost):\(metrics.port)" }
        print(line)
        fflush(stdout)

        var received: Int32 = 0
        while sigwait(&stopSignals, &received) != 0 {}
        logger.info("signal \(received): finishing the jobs in hand (at most \(jobOptions.drainSeconds) s)")
        let report = server.stopJobs() ?? JobDrainReport()
        metrics?.shutdown()
        if report.leftRunning > 0 {
            // Threads still inside a model run cannot be stopped or joined;
            // exit without tearing down what they use.
            logger.warning("stopped with \(report.leftRunning) jobs unfinished; Redis gives them to another worker after the visibility timeout")
            Glibc.exit(0)
        }
        logger.info("stopped: \(report)")
        server.shutdown(grace: .zero)
    }
}

/// Reads `--data` into the tensor a model's input wants (shared by submit).
enum JobInput {
    static func tensor(_ swerve: SwerveClient, _ model: ModelOptions, data: String, input: String?) throws -> (String, Tensor) {
        let metadata = try swerve.metadata(model.spec)
        let info: TensorInfo
        if let input {
            guard let found = metadata.inputs.first(where: { $0.name == input }) else {
                throw ValidationError("model '\(model.model)' has no input '\(input)' (inputs: \(metadata.inputs.map(\.name).joined(separator: ", ")))")
            }
            info = found
        } else {
            guard metadata.inputs.count == 1, let only = metadata.inputs.first else {
                throw ValidationError("model '\(model.model)' has \(metadata.inputs.count) inputs (\(metadata.inputs.map(\.name).joined(separator: ", "))): choose one with --input")
            }
            info = only
        }
        return (info.name, try InputParsing.tensor(fromJSON: data, dtype: info.dtype, inputName: info.name))
    }
}

extension JSONWriter {
    /// A job as JSON; states are the lowercase strings REST uses too.
    static func job(_ job: GetJobResponse) -> String {
        var json = JSONWriter()
        json.raw("{\"job_id\": ")
        json.string(job.jobId)
        json.raw(", \"state\": ")
        json.string(job.state.jsonName)
        json.raw(", \"attempts\": ")
        json.int(Int64(job.attempts))
        json.raw(", \"submitted_at_us\": ")
        json.int(Int64(job.submittedAtMicros))
        if job.startedAtMicros > 0 { json.raw(", \"started_at_us\": "); json.int(Int64(job.startedAtMicros)) }
        if job.finishedAtMicros > 0 { json.raw(", \"finished_at_us\": "); json.int(Int64(job.finishedAtMicros)) }
        if let result = job.result {
            json.raw(", \"result\": ")
            json.predictResponse(result)
        }
        if let error = job.error {
            json.raw(", \"error\": {\"code\": ")
            json.string(error.code.protoName)
            json.raw(", \"message\": ")
            json.string(error.message)
            json.raw("}")
        }
        json.raw("}")
        return json.text
    }
}

extension JobState {
    /// `pending`, `processing`, `completed`, `failed` (as in REST's JSON).
    var jsonName: String {
        switch self {
        case .unspecified: return "unspecified"
        case .pending: return "pending"
        case .processing: return "processing"
        case .completed: return "completed"
        case .failed: return "failed"
        }
    }
}
