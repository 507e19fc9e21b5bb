#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Batch
import Logging

/// `swerve batch predict|run`: offline scoring of files and SQL tables.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Score files (CSV, JSON Lines, .npy) or SQL tables (SQLite, MySQL/MariaDB) offline.",
        subcommands: [BatchPredict.self])
}

/// The model options both batch modes share.
struct BatchModelOptions: ParsableArguments {
    @Option(help: "Model repository: DIR/<name>/<version>/model.onnx, optional DIR/<name>/config.json.")
    var models: String = EnvironmentDefaults.value("MODELS", "./models")

    @Option(help: "The model to score with (its newest AVAILABLE version).")
    var model: String = EnvironmentDefaults.value("MODEL", "")

    @Option(help: "Features to feed, in order, comma-separated (default: every column but the id).")
    var columns: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = EnvironmentDefaults.value("LOG_LEVEL", "warning")

    var columnList: [String]? {
        columns.map { $0.split(separator: ",").map { String($0).trimmingCharacters() } }
    }

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("--model is required") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        if let columnList, columnList.isEmpty || columnList.contains("") {
            throw ValidationError("--columns '\(columns ?? "")' must name columns separated by commas")
        }
    }

    /// Logs to standard error, then loads the repository.
    func loadModels(pollSeconds: Double) throws -> BatchModels {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return try BatchModels(root: models, pollInterval: .milliseconds(Int64(pollSeconds * 1000)),
                               logger: Logger(label: "swerve-batch"))
    }
}

struct BatchPredict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score a CSV, JSON Lines or .npy file into a CSV or JSON Lines file.",
        discussion: """
        Output columns: the id (or `row`, 0-based), then one column per output value: `<output>` for one \
        value per row, `<output>:<index>` for [N,K], `<output>:<key>` for a ZipMap. The output is written \
        under a temporary name and renamed when complete. A bad row stops the run with its file, line and \
        reason, unless --rejects collects it.
        """)

    @OptionGroup var modelOptions: BatchModelOptions

    @Option(help: "Input file: .csv (header row), .jsonl (arrays or objects), .npy (2-D float32/float64).")
    var input: String

    @Option(help: "Output file: .csv or .jsonl.")
    var output: String

    @Option(help: "Input format when the extension does not say: csv, jsonl or npy.")
    var format: FileFormat?

    @Option(help: "Output format when the extension does not say: csv or jsonl.")
    var outputFormat: FileFormat?

    @Option(help: "Column holding each row's id (default: rows are numbered from 0 in a `row` column).")
    var idColumn: String?

    @Option(help: "Rows per model run.")
    var batchSize: Int = 4096

    @Option(help: "Chunks scored at once (default: one per core).")
    var threads: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    @Option(help: "Write bad rows here (CSV: line,reason,record) and go on, instead of stopping.")
    var rejects: String?

    @Flag(inversion: .prefixedNo, help: "Progress on standard error (default: when it is a terminal).")
    var progress: Bool?

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        StopSignals.block()
        var options = FilePredictOptions(input: input, output: output)
        options.inputFormat = format
        options.outputFormat = outputFormat
        options.idColumn = idColumn
        options.columns = modelOptions.columnList
        options.batchSize = batchSize
        options.threads = threads
        options.rejects = rejects
        options.progress = progress
        do {
            let models = try modelOptions.loadModels(pollSeconds: 3600)
            defer { models.stop() }
            let lease = try models.lease(modelOptions.model)
            defer { lease.release() }
            let summary = try FilePredictor.run(options, servable: lease.servable) { StopSignals.received() }
            var line = "swerve batch: \(summary.rows) rows scored with \(modelOptions.model) version \(summary.modelVersion) "
                + "into \(output) in \(rounded(summary.seconds)) s (\(Int(summary.rowsPerSecond)) rows/s)"
            if let rejects { line += ", \(summary.rejected) rejected into \(rejects)" }
            printError(line)
        } catch let error as BatchError {
            printError("swerve batch predict: \(error)")
            throw ExitCode(1)
        }
    }
}

extension FileFormat: ExpressibleByArgument {}

func rounded(_ seconds: Double) -> String { String((seconds * 100).rounded() / 100) }

extension String {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
