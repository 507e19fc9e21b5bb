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
        subcommands: [BatchPredict.self, BatchRun.self])
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
        columns.map { $0.split(separator: ",").map { String($0).trimmingSpaces() } }
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
                + "into \(output) in \(rounded(summary.seconds)) s (\(Int(summary.rowsPerSecond)) rows/s\(PeakMemory.summary))"
            if let rejects { line += ", \(summary.rejected) rejected into \(rejects)" }
            printError(line)
        } catch let error as BatchError {
            printError("swerve batch predict: \(error)")
            throw ExitCode(1)
        }
    }
}

struct BatchRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Score the rows of a SQL table that have no result yet, and write the results back.",
        discussion: """
        Results go to --results-table (created when missing): id, model, version, outputs (JSON), predicted_at \
        (UTC), primary key (id, model). Each chunk is claimed, scored and written in one transaction, so a \
        killed run loses nothing committed and a rerun continues; concurrent runners never score a row twice. \
        With --every-seconds it runs forever; SIGTERM finishes the chunk in hand and exits 0.
        """)

    @OptionGroup var modelOptions: BatchModelOptions

    @Option(help: "sqlite:///relative.db, sqlite:////absolute.db or mysql://user:pass@host:port/db (or SWERVE_DB).")
    var db: String = EnvironmentDefaults.value("DB", "")

    @Option(help: "The table whose rows are scored.")
    var table: String = EnvironmentDefaults.value("TABLE", "")

    @Option(help: "The table's id column.")
    var idColumn: String = EnvironmentDefaults.value("ID_COLUMN", "id")

    @Option(help: "Where results are written.")
    var resultsTable: String = EnvironmentDefaults.value("RESULTS_TABLE", "predictions")

    @Option(help: "Rows per transaction.")
    var batchSize: Int = EnvironmentDefaults.value("BATCH_SIZE", 1000)

    @Option(name: .customLong("every-seconds"), help: "Run again this many seconds after each pass, forever (default: one pass).")
    var everySecondsFlag: Double?

    /// `--every-seconds`, else SWERVE_EVERY_SECONDS, else one pass.
    var everySeconds: Double? { everySecondsFlag ?? EnvironmentDefaults.optional("EVERY_SECONDS") }

    @Flag(help: "Also re-score rows whose result came from an older model version, updating them in place.")
    var repredict = false

    @Flag(inversion: .prefixedNo, help: "Progress on standard error (default: when it is a terminal).")
    var progress: Bool?

    func validate() throws {
        guard !db.isEmpty else { throw ValidationError("--db (or SWERVE_DB) is required") }
        guard !table.isEmpty else { throw ValidationError("--table is required") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let everySeconds, everySeconds <= 0 { throw ValidationError("--every-seconds must be positive") }
    }

    func run() throws {
        StopSignals.block()
        do {
            var options = TableRunOptions(database: try DatabaseURL(db), table: table, model: modelOptions.model)
            options.idColumn = idColumn
            options.columns = modelOptions.columnList
            options.resultsTable = resultsTable
            options.batchSize = batchSize
            options.repredict = repredict
            options.progress = progress
            // Periodic runs pick up new versions between passes; a single pass needs no polling.
            let models = try modelOptions.loadModels(pollSeconds: everySeconds.map { min($0, 2) } ?? 3600)
            defer { models.stop() }
            let runner = TableRunner(options: options, models: models, logger: Logger(label: "swerve-batch"))
            try passes(runner)
        } catch let error as BatchError {
            printError("swerve batch run: \(error)")
            throw ExitCode(1)
        }
    }
}

extension BatchRun {
    /// One pass, or (with --every-seconds) passes until SIGTERM/SIGINT. A
    /// failed pass of the periodic service is reported and retried at the
    /// next period (the database may be back); a single pass fails the run.
    private func passes(_ runner: TableRunner) throws(BatchError) {
        let stop = StopFlag()
        while true {
            do {
                let summary = try runner.pass { stop.check() }
                let versions = summary.versions.map(String.init).joined(separator: ",")
                printError("swerve batch run: \(summary.rows) rows of \(table) scored with \(modelOptions.model)"
                    + (versions.isEmpty ? "" : " version \(versions)")
                    + " into \(resultsTable) in \(rounded(summary.seconds)) s (\(runner.options.database)\(PeakMemory.summary))")
            } catch {
                guard everySeconds != nil else { throw error }
                printError("swerve batch run: \(error)")
            }
            guard let everySeconds, !stop.stopped else { return }
            if StopSignals.received(waiting: everySeconds) { return }
        }
    }
}

/// Remembers a stop signal once seen (the signal is consumed by the check).
private final class StopFlag {
    private(set) var stopped = false

    func check() -> Bool {
        if !stopped { stopped = StopSignals.received() }
        return stopped
    }
}

extension FileFormat: ExpressibleByArgument {}

func rounded(_ seconds: Double) -> String { String((seconds * 100).rounded() / 100) }
