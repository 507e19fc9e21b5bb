import Dispatch
import ModelRuntime
import ModelServer
import TextFormats

/// What `swerve batch predict` scores and how.
public struct FilePredictOptions: Sendable {
    public var input: String
    public var output: String
    public var inputFormat: FileFormat?
    public var outputFormat: FileFormat?
    public var idColumn: String?
    public var columns: [String]?
    public var batchSize = 4096
    public var threads = 1
    /// Where bad rows go (with the reason) instead of stopping the run.
    public var rejects: String?
    /// nil: progress when standard error is a terminal.
    public var progress: Bool?

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }
}

/// What a file run did.
public struct FilePredictSummary: Sendable {
    public let rows: Int
    public let rejected: Int
    public let seconds: Double
    public let modelVersion: Int64

    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
}

/// Scores a file with one model version: reads chunks of rows, predicts
/// `threads` chunks at once, writes their outputs in input order to a
/// temporary file and renames it into place at the end.
///
/// Memory stays flat: at most `threads` chunks of `batchSize` rows (their
/// features, outputs and formatted text) exist at a time, whatever the
/// input's size.
public enum FilePredictor {
    public static func run(_ options: FilePredictOptions, servable: ServableVersion,
                           shouldStop: () -> Bool = { false }) throws(BatchError) -> FilePredictSummary {
        let inputFormat = try FileFormat.resolve(options.inputFormat, path: options.input, flag: "--format")
        let outputFormat = try FileFormat.resolve(options.outputFormat, path: options.output, flag: "--output-format")
        guard outputFormat != .npy else { throw BatchError("output \(options.output): write CSV or JSON Lines (.npy is input only)") }
        let selection = ColumnSelection(idColumn: options.idColumn, columns: options.columns)
        let source: RowSource
        switch inputFormat {
        case .csv: source = try CSVRowSource(path: options.input, selection: selection)
        case .jsonl: source = try JSONLinesRowSource(path: options.input, selection: selection)
        case .npy: source = try NpyRowSource(path: options.input, selection: selection)
        }
        let model = servable.model
        let feed = try ModelFeed(model: model, name: servable.name)
        try feed.check(columns: source.featureNames, source: options.input)
        let layout = try probeLayout(model, feed, featureCount: source.featureNames.count, name: servable.name)
        let writer = RowWriter(format: outputFormat, layout: layout, idName: source.idName)

        let output = try AtomicOutputFile(path: options.output)
        let rejects = try options.rejects.map { path throws(BatchError) in try RejectsFile(path: path, input: options.input) }
        let meter = ProgressMeter(enabled: options.progress)
        try output.write(writer.header())

        let threads = max(1, options.threads)
        var chunks = [FeatureChunk](repeating: FeatureChunk(featureCount: source.featureNames.count), count: threads)
        var rows = 0
        let reject: (BadRow) throws -> Void = { bad in
            guard let rejects else { throw BatchError("\(options.input):\(bad.line): \(bad.reason)") }
            try rejects.add(bad)
        }
        while true {
            if shouldStop() { throw BatchError("stopped by a signal; \(options.output) was not written") }
            // Read a wave of chunks, predict them in parallel, write in order.
            var filled = 0
            do {
                while filled < threads, try source.fill(&chunks[filled], maxRows: options.batchSize, reject: reject) { filled += 1 }
            } catch let error as BatchError {
                throw error
            } catch {
                throw BatchError("\(error)")
            }
            if filled == 0 { break }
            let results = scoreWave(chunks[0..<filled], model: model, feed: feed, writer: writer)
            for (index, result) in results.enumerated() {
                switch result {
                case .success(let bytes): try output.write(bytes)
                case .failure(let error): throw BatchError("\(options.input): rows \(rows + 1)…: \(error)")
                }
                rows += chunks[index].rowCount
            }
            meter.update(rows: rows, fraction: source.fractionRead)
        }
        meter.finish()
        try rejects?.commit()
        try output.commit()
        return FilePredictSummary(rows: rows, rejected: rejects?.count ?? 0, seconds: meter.elapsedSeconds,
                                  modelVersion: servable.version)
    }

    /// Predicts and formats each chunk on its own thread.
    private static func scoreWave(_ chunks: ArraySlice<FeatureChunk>, model: Model, feed: ModelFeed,
                                  writer: RowWriter) -> [Result<[UInt8], Error>] {
        let results = ResultSlots(count: chunks.count)
        let base = chunks.startIndex
        DispatchQueue.concurrentPerform(iterations: chunks.count) { index in
            let chunk = chunks[base + index]
            results.set(index, Result {
                let values = try feed.predict(model, chunk)
                return try writer.rows(chunk, values)
            })
        }
        return results.values
    }

    /// One run on a row of zeros: the output columns are known before the
    /// header is written, even for an input with no rows.
    static func probeLayout(_ model: Model, _ feed: ModelFeed, featureCount: Int, name: String) throws(BatchError) -> OutputLayout {
        var probe = FeatureChunk(featureCount: featureCount)
        probe.ids = [.row(0)]
        probe.features = [Double](repeating: 0, count: featureCount)
        do {
            return try OutputLayout(outputNames: model.outputs.map(\.name), values: feed.predict(model, probe), rowCount: 1)
        } catch let error as BatchError {
            throw error
        } catch {
            throw BatchError("model '\(name)' cannot score a row of \(featureCount) features: \(error)")
        }
    }
}

/// Results written by concurrent iterations, each to its own slot.
private final class ResultSlots: @unchecked Sendable {
    // Each slot is written by exactly one iteration and read after
    // concurrentPerform returned; raw memory, because concurrent writes to
    // one Swift array would trip its exclusivity check.
    private let slots: UnsafeMutableBufferPointer<Result<[UInt8], Error>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ index: Int, _ result: Result<[UInt8], Error>) { slots[index] = result }

    var values: [Result<[UInt8], Error>] { slots.map { $0! } }
}
