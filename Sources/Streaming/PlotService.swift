import Logging
import Plotting
import TextFormats
#if canImport(Glibc)
import Glibc
#endif

/// `swerve stream plot`: every period reads the metrics CSV and redraws the
/// histogram of its errors as a PNG. A missing, empty or partly malformed
/// CSV is logged, never fatal.
public final class PlotService {
    public struct Options: Sendable {
        public var csvPath: String
        public var pngPath: String
        public var every: Duration = .seconds(5)
        public var bins = 30
        public var width = 800
        public var height = 600

        public init(csvPath: String, pngPath: String) {
            self.csvPath = csvPath
            self.pngPath = pngPath
        }
    }

    /// What one pass found.
    public enum Outcome: Equatable, Sendable {
        case notFound
        /// No data rows (`malformed` lines may have been skipped).
        case empty(malformed: Int)
        case updated(rows: Int, malformed: Int)
    }

    private let options: Options
    private let logger: Logger
    private let stop: StopSignal

    public init(_ options: Options, logger: Logger, stop: StopSignal) {
        self.options = options
        self.logger = logger
        self.stop = stop
    }

    /// Redraws every period until stopped.
    public func run() {
        while !stop.isSet {
            _ = redraw()
            stop.wait(options.every)
        }
    }

    /// One pass: read, log, draw.
    @discardableResult
    public func redraw() -> Outcome {
        let outcome: Outcome
        let errors: [Double]
        let malformed: Int
        switch Self.readErrors(options.csvPath) {
        case .failure(let problem):
            logger.warning("\(options.csvPath): \(problem)")
            return .notFound
        case .success(let read):
            (errors, malformed) = read
        }
        if malformed > 0 { logger.warning("\(options.csvPath): \(malformed) malformed lines skipped") }
        guard !errors.isEmpty else {
            logger.info("\(options.csvPath) is empty: no rows to plot yet")
            return .empty(malformed: malformed)
        }
        let sorted = errors.sorted()
        let mean = errors.reduce(0, +) / Double(errors.count)
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        let chart = HistogramChart(title: "Absolute error: N = \(errors.count), mean \(Self.short(mean)), median \(Self.short(median))",
                                   xLabel: "|y_true − y_pred|", width: options.width, height: options.height)
        do {
            try chart.write(Histogram(errors, bins: options.bins), to: options.pngPath)
        } catch {
            logger.error("\(error)")
            return .empty(malformed: malformed)
        }
        logger.info("histogram updated (\(errors.count) rows)")
        outcome = .updated(rows: errors.count, malformed: malformed)
        return outcome
    }

    /// The `error` column's values and how many lines could not be used.
    /// A line the CSV parser cannot get past (an unterminated quote) ends
    /// the read; what came before still counts.
    static func readErrors(_ path: String) -> Result<([Double], Int), StreamError> {
        guard access(path, F_OK) == 0 else { return .failure(StreamError("not found")) }
        let reader: CSVFileReader
        do { reader = try CSVFileReader(path: path) } catch { return .failure(StreamError("\(error)")) }
        var fields = CSVFields()
        var errors: [Double] = []
        var malformed = 0
        var errorColumn = 3
        var first = true
        while true {
            do {
                guard try reader.next(into: &fields) else { break }
            } catch {
                malformed += 1
                break
            }
            if CSVParser.isBlank(fields) { continue }
            if first {
                first = false
                let names = (0..<fields.count).map { fields.string($0) }
                if let column = names.firstIndex(of: "error") {
                    errorColumn = column
                    continue
                }
            }
            guard fields.count == 4, let value = fields.double(errorColumn), value.isFinite, value >= 0 else {
                malformed += 1
                continue
            }
            errors.append(value)
        }
        return .success((errors, malformed))
    }

    private static func short(_ v: Double) -> String { String((v * 100).rounded() / 100) }
}
