#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Logging
import ModelServer
import Streaming

/// `swerve stream …`: the four services of the streaming pipeline, one process each.
struct Stream: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Streaming pipeline on RabbitMQ: features → model → metrics (CSV) → plot (PNG).",
        discussion: "Each service runs on its own; SIGTERM/SIGINT stops it after it acks what it holds.",
        subcommands: [StreamFeatures.self, StreamModel.self, StreamMetrics.self, StreamPlot.self])
}

struct StreamFeatures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Publish random rows of a data set: X to features/X, the truth to features/Y_true.")

    @OptionGroup var broker: StreamBrokerOptions
    @OptionGroup var service: StreamServiceOptions

    @Option(help: "CSV with feature columns and 'target'.")
    var data: String = EnvironmentDefaults.value("DATA", "models/diabetes/data.csv")

    @Option(help: "Observations to publish (default: until stopped).")
    var count: Int? = EnvironmentDefaults.optional("COUNT")

    @Option(help: "Observations per second; 0 publishes as fast as confirms allow.")
    var rate: Double = EnvironmentDefaults.value("RATE", 1)

    @Option(help: "Seed of the row sampler (default: random).")
    var seed: UInt64? = EnvironmentDefaults.optional("SEED")

    @Option(help: "Ids are <prefix>-<n> (default: random hex).")
    var idPrefix: String?

    @Option(help: "Queue for features.")
    var xQueue: String = EnvironmentDefaults.value("X_QUEUE", "features/X")

    @Option(help: "Queue for true values.")
    var yTrueQueue: String = EnvironmentDefaults.value("Y_TRUE_QUEUE", "features/Y_true")

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard rate >= 0, rate.isFinite else { throw ValidationError("--rate must be 0 (full speed) or positive") }
    }

    func run() throws {
        let logger = service.logger("swerve-stream-features")
        // Before any thread starts, so only the reload thread takes SIGHUP.
        let gate = try service.tokens.metricsGate(logger: logger)
        let stop = StopSignal()
        stop.installSignalHandling()
        let table: FeatureTable
        do { table = try FeatureTable.load(data) } catch { throw ValidationError("\(error)") }
        var options = FeaturesService.Options(broker: try broker.options(), table: table, count: count, rate: rate,
                                              seed: seed ?? UInt64.random(in: .min ... .max),
                                              idPrefix: idPrefix ?? String(UInt32.random(in: .min ... .max), radix: 16))
        options.xQueue = xQueue
        options.yTrueQueue = yTrueQueue
        let features = FeaturesService(options, logger: logger, stop: stop)
        let metrics = try service.serveMetrics(features.statistics, service: "features", gate: gate)
        print("swerve stream features: \(table.rows.count) rows of \(data), ids \(options.idPrefix)-N")
        fflush(stdout)
        let published = features.run()
        print("swerve stream features: \(published) observations published")
        _ = metrics
    }
}

struct StreamModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Consume features/X, run the model in batches, publish predictions/Y_pred.")

    @OptionGroup var broker: StreamBrokerOptions
    @OptionGroup var service: StreamServiceOptions

    @Option(help: "Model repository: DIR/<name>/<version>/model.onnx.")
    var models: String = EnvironmentDefaults.value("MODELS", "./models")

    @Option(help: "Model to run (its latest available version).")
    var model: String = EnvironmentDefaults.value("MODEL", "diabetes")

    @Option(help: "Deliveries in flight before acks.")
    var prefetch: Int = EnvironmentDefaults.value("PREFETCH", 256)

    @Option(help: "Most messages run in one batch.")
    var maxBatch: Int = EnvironmentDefaults.value("MAX_BATCH", 256)

    @Option(help: "Seconds between repository scans (a new version takes over without a restart).")
    var pollSeconds: Double = EnvironmentDefaults.value("POLL_SECONDS", 2)

    @Option(help: "Queue for features.")
    var xQueue: String = EnvironmentDefaults.value("X_QUEUE", "features/X")

    @Option(help: "Queue for predictions.")
    var yPredQueue: String = EnvironmentDefaults.value("Y_PRED_QUEUE", "predictions/Y_pred")

    func validate() throws {
        guard (1...65535).contains(prefetch) else { throw ValidationError("--prefetch must be in 1...65535") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
        guard pollSeconds > 0 else { throw ValidationError("--poll-seconds must be positive") }
    }

    func run() throws {
        let logger = service.logger("swerve-stream-model")
        // Before any thread starts, so only the reload thread takes SIGHUP.
        let gate = try service.tokens.metricsGate(logger: logger)
        let stop = StopSignal()
        stop.installSignalHandling()
        let repository = ModelRepository(root: models, pollInterval: .milliseconds(Int64(pollSeconds * 1000)), logger: logger)
        do {
            try repository.start()
        } catch {
            printError("swerve stream model: cannot load models: \(error)")
            throw ExitCode(1)
        }
        defer { repository.stop() }
        do {
            _ = try repository.status(name: model, version: nil)
        } catch {
            printError("swerve stream model: \(error)")
            throw ExitCode(1)
        }
        var options = ModelService.Options(broker: try broker.options(), model: model)
        options.prefetch = prefetch
        options.maxBatch = maxBatch
        options.xQueue = xQueue
        options.yPredQueue = yPredQueue
        let service = ModelService(options, repository: repository, logger: logger, stop: stop)
        let metrics = try self.service.serveMetrics(service.statistics, service: "model", gate: gate)
        print("swerve stream model: running \(model) from \(models)")
        fflush(stdout)
        service.run()
        _ = metrics
    }
}

struct StreamMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Join Y_true and Y_pred by id and append id,y_true,y_pred,error to a CSV.")

    @OptionGroup var broker: StreamBrokerOptions
    @OptionGroup var service: StreamServiceOptions

    @Option(help: "CSV to append to (the directory and header are created when missing).")
    var csv: String = EnvironmentDefaults.value("CSV", "logs/metrics.csv")

    @Option(help: "A half waiting longer than this is dead-lettered.")
    var joinTimeoutSeconds: Double = EnvironmentDefaults.value("JOIN_TIMEOUT_SECONDS", 60)

    @Option(help: "Most halves waiting for their pair; beyond it the oldest is dead-lettered.")
    var maxPending: Int = EnvironmentDefaults.value("MAX_PENDING", 100_000)

    @Option(help: "Ids of this many recent rows are kept so a redelivery never writes a second row.")
    var dedupeWindow: Int = EnvironmentDefaults.value("DEDUPE_WINDOW", 1_000_000)

    @Option(help: "Queue for true values.")
    var yTrueQueue: String = EnvironmentDefaults.value("Y_TRUE_QUEUE", "features/Y_true")

    @Option(help: "Queue for predictions.")
    var yPredQueue: String = EnvironmentDefaults.value("Y_PRED_QUEUE", "predictions/Y_pred")

    func validate() throws {
        guard joinTimeoutSeconds > 0 else { throw ValidationError("--join-timeout-seconds must be positive") }
        guard maxPending >= 1 else { throw ValidationError("--max-pending must be at least 1") }
        guard dedupeWindow >= 1 else { throw ValidationError("--dedupe-window must be at least 1") }
    }

    func run() throws {
        let logger = service.logger("swerve-stream-metrics")
        // Before any thread starts, so only the reload thread takes SIGHUP.
        let gate = try service.tokens.metricsGate(logger: logger)
        let stop = StopSignal()
        stop.installSignalHandling()
        var options = MetricsService.Options(broker: try broker.options(), csvPath: csv)
        options.joinTimeout = .milliseconds(Int64(joinTimeoutSeconds * 1000))
        options.maxPending = maxPending
        options.dedupeWindow = dedupeWindow
        options.yTrueQueue = yTrueQueue
        options.yPredQueue = yPredQueue
        let metricsService: MetricsService
        do {
            metricsService = try MetricsService(options, logger: logger, stop: stop)
        } catch {
            printError("swerve stream metrics: \(error)")
            throw ExitCode(1)
        }
        let endpoint = try service.serveMetrics(metricsService.statistics, service: "metrics", gate: gate)
        print("swerve stream metrics: writing \(csv)")
        fflush(stdout)
        metricsService.run()
        _ = endpoint
    }
}

struct StreamPlot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Redraw a histogram of the CSV's errors as a PNG every few seconds.")

    @Option(help: "Metrics CSV to read.")
    var csv: String = EnvironmentDefaults.value("CSV", "logs/metrics.csv")

    @Option(help: "PNG to write (replaced atomically).")
    var png: String = EnvironmentDefaults.value("PNG", "logs/errors.png")

    @Option(help: "Seconds between redraws.")
    var everySeconds: Double = EnvironmentDefaults.value("EVERY_SECONDS", 5)

    @Option(help: "Histogram bins.")
    var bins: Int = EnvironmentDefaults.value("BINS", 30)

    @Option(help: "PNG width in pixels.")
    var width: Int = EnvironmentDefaults.value("WIDTH", 800)

    @Option(help: "PNG height in pixels.")
    var height: Int = EnvironmentDefaults.value("HEIGHT", 600)

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = EnvironmentDefaults.value("LOG_LEVEL", "info")

    @Flag(help: "Draw once and exit.")
    var once = false

    func validate() throws {
        guard everySeconds > 0 else { throw ValidationError("--every-seconds must be positive") }
        guard (1...1000).contains(bins) else { throw ValidationError("--bins must be in 1...1000") }
        guard (100...10000).contains(width), (100...10000).contains(height) else {
            throw ValidationError("--width and --height must be in 100...10000 pixels")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() throws {
        let stop = StopSignal()
        stop.installSignalHandling()
        let logger = StreamServiceOptions.logger("swerve-stream-plot", level: logLevel)
        var options = PlotService.Options(csvPath: csv, pngPath: png)
        options.every = .milliseconds(Int64(everySeconds * 1000))
        options.bins = bins
        options.width = width
        options.height = height
        let plot = PlotService(options, logger: logger, stop: stop)
        if once {
            plot.redraw()
        } else {
            plot.run()
        }
    }
}
