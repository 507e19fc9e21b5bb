import TextFormats

/// The rows the features service samples: every column but `target` is a
/// feature (in file order, as the model takes them); `target` is the truth.
public struct FeatureTable: Sendable {
    public let featureNames: [String]
    public let rows: [[Double]]
    public let targets: [Double]

    public static func load(_ path: String) throws(StreamError) -> FeatureTable {
        let reader: CSVFileReader
        do { reader = try CSVFileReader(path: path) } catch { throw StreamError("--data: \(error)") }
        var fields = CSVFields()
        do {
            guard try reader.next(into: &fields) else { throw StreamError("--data \(path) is empty") }
            let header = (0..<fields.count).map { fields.string($0) }
            guard let targetColumn = header.firstIndex(of: "target") else {
                throw StreamError("--data \(path): the header has no 'target' column (got \(header.joined(separator: ",")))")
            }
            guard header.count >= 2 else { throw StreamError("--data \(path): no feature columns besides 'target'") }
            var rows: [[Double]] = []
            var targets: [Double] = []
            while true {
                let line = reader.line
                guard try reader.next(into: &fields) else { break }
                if CSVParser.isBlank(fields) { continue }
                guard fields.count == header.count else {
                    throw StreamError("--data \(path) line \(line): \(fields.count) fields, the header has \(header.count)")
                }
                var row: [Double] = []
                row.reserveCapacity(header.count - 1)
                for i in 0..<fields.count {
                    guard let value = fields.double(i), value.isFinite else {
                        throw StreamError("--data \(path) line \(line): '\(fields.string(i))' in column \(header[i]) is not a number")
                    }
                    if i == targetColumn { targets.append(value) } else { row.append(value) }
                }
                rows.append(row)
            }
            guard !rows.isEmpty else { throw StreamError("--data \(path) has a header but no rows") }
            var names = header
            names.remove(at: targetColumn)
            return FeatureTable(featureNames: names, rows: rows, targets: targets)
        } catch let error as StreamError {
            throw error
        } catch {
            throw StreamError("--data: \(error)")
        }
    }
}

/// Which row comes next: SplitMix64 from `seed`, so a run can be replayed
/// (tests rebuild each id's row this way).
public struct RowSampler: Sendable {
    private var state: UInt64
    public let rowCount: Int

    public init(seed: UInt64, rowCount: Int) {
        precondition(rowCount > 0, "a sampler needs rows")
        state = seed
        self.rowCount = rowCount
    }

    public mutating func next() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(rowCount))
    }
}
