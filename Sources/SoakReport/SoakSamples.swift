import TextFormats

/// The per-second samples `scripts/soak.sh` writes (samples.csv): a number
/// column per measure, and an `event` column naming what the script did in
/// that second (`version-added`, `version-removed`, `worker-1-killed`).
/// `sampler_lag_ms` is how late the sampler took that sample: a second or
/// more means the machine itself stalled.
public struct SoakSamples: Sendable {
    /// The numeric columns every samples file has.
    public static let numericColumns = [
        "second", "front_rss_kb", "front_fds", "front_threads", "member_rss_kb", "member_fds", "member_threads",
        "workers_rss_kb", "workers_fds", "workers_threads", "binary_rps", "binary_errors", "rest_rps", "rest_errors",
        "iris_versions", "sampler_lag_ms",
    ]

    /// Values by column name, one per sampled second.
    public private(set) var columns: [String: [Double]]
    /// What happened in each sampled second ("" for nothing), in order.
    public private(set) var events: [String]

    public var count: Int { events.count }

    /// The named column; every file read has each of ``numericColumns``.
    public subscript(column: String) -> [Double] { columns[column] ?? [] }

    public init(columns: [String: [Double]], events: [String]) {
        self.columns = columns
        self.events = events
    }

    /// Reads a samples file. Throws, naming the line and column, when a
    /// column is missing or a value is not a number.
    public static func read(path: String) throws(SoakReportError) -> SoakSamples {
        do {
            return try parse(CSVFileReader(path: path), path: path)
        } catch let error as SoakReportError {
            throw error
        } catch {
            throw SoakReportError("\(path): \(error)")
        }
    }

    private static func parse(_ reader: CSVFileReader, path: String) throws -> SoakSamples {
        var fields = CSVFields()
        guard try reader.next(into: &fields) else { throw SoakReportError("\(path) is empty: expected a header line") }
        let header = (0..<fields.count).map { fields.string($0) }
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() { index[name] = i }
        let missing = (numericColumns + ["event"]).filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw SoakReportError("\(path): header lacks column(s) \(missing.joined(separator: ", "))")
        }
        var columns: [String: [Double]] = [:]
        var events: [String] = []
        while true {
            let line = reader.line
            guard try reader.next(into: &fields) else { break }
            if CSVParser.isBlank(fields) { continue }
            guard fields.count == header.count else {
                throw SoakReportError("\(path) line \(line): \(fields.count) fields, the header has \(header.count)")
            }
            for name in numericColumns {
                guard let value = fields.double(index[name]!), value.isFinite else {
                    throw SoakReportError("\(path) line \(line): \(name) '\(fields.string(index[name]!))' is not a number")
                }
                columns[name, default: []].append(value)
            }
            events.append(fields.string(index["event"]!))
        }
        guard !events.isEmpty else { throw SoakReportError("\(path): no samples after the header") }
        return SoakSamples(columns: columns, events: events)
    }
}
