#if canImport(Glibc)
import Glibc
#endif

/// The feature rows a benchmark sends: read from a file, or random with a
/// fixed seed (so two runs send the same requests).
public struct RowSource: Sendable {
    /// Every row; all of the same width.
    public let rows: [[Float]]

    public var features: Int { rows.first?.count ?? 0 }

    /// Rows given directly (all of the same width).
    public init(rows: [[Float]]) {
        self.rows = rows
    }

    /// `count` random rows of `features` values in [0, 8), from `seed`.
    public static func random(features: Int, count: Int, seed: UInt64) -> RowSource {
        var state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
        var rows: [[Float]] = []
        rows.reserveCapacity(count)
        for _ in 0..<count {
            var row: [Float] = []
            row.reserveCapacity(features)
            for _ in 0..<features {
                // xorshift64*: cheap, deterministic, good enough for test inputs.
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                let bits = (state &* 0x2545_F491_4F6C_DD1D) >> 40 // 24 bits
                // Two decimals, like measured features (and short in JSON).
                row.append(Float(bits % 800) / 100)
            }
            rows.append(row)
        }
        return RowSource(rows: rows)
    }

    /// Rows in request order for `batches(of: batch, limit: .max)`: out of
    /// every 100 requests, `percent` repeat one of 10 hot batches and the
    /// rest each send a fresh batch; fresh batches recur only after
    /// `cycles` × 100 requests (so a cache smaller than that keeps missing them).
    public static func repeating(percent: Int, batch: Int, features: Int, seed: UInt64, cycles: Int = 1000) -> RowSource {
        let hot = random(features: features, count: 10 * batch, seed: seed).rows
        let freshBatches = max(1, (100 - percent) * cycles)
        let fresh = random(features: features, count: freshBatches * batch, seed: seed &+ 0x5EED).rows
        var rows: [[Float]] = []
        rows.reserveCapacity(100 * cycles * batch)
        var hotCursor = 0, freshCursor = 0
        for i in 0..<(100 * cycles) {
            // Spreads the repeats evenly: request i repeats when the running
            // share of repeats would otherwise fall below `percent`.
            let repeats = (i + 1) * percent / 100 > i * percent / 100
            if repeats {
                rows += hot[((hotCursor % 10) * batch)..<((hotCursor % 10 + 1) * batch)]
                hotCursor += 1
            } else {
                rows += fresh[((freshCursor % freshBatches) * batch)..<((freshCursor % freshBatches + 1) * batch)]
                freshCursor += 1
            }
        }
        return RowSource(rows: rows)
    }

    /// Rows parsed from `text`: one per line, numbers separated by commas,
    /// spaces or tabs; `[`/`]` are ignored, so a JSON array per line works;
    /// empty lines and lines starting with `#` are skipped.
    public static func parse(_ text: String, name: String = "rows") throws -> RowSource {
        var rows: [[Float]] = []
        var lineNumber = 0
        // `isNewline` also splits "\r\n", which Swift treats as one Character.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var row: [Float] = []
            for token in trimmed.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "[" || $0 == "]" }) {
                guard let value = Float(token), value.isFinite else {
                    throw BenchError.invalidRows("\(name) line \(lineNumber): '\(token)' is not a finite number")
                }
                row.append(value)
            }
            if row.isEmpty { continue }
            if let first = rows.first, first.count != row.count {
                throw BenchError.invalidRows("\(name) line \(lineNumber) has \(row.count) values, earlier rows have \(first.count)")
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw BenchError.invalidRows("\(name) holds no rows") }
        return RowSource(rows: rows)
    }

    /// Reads and parses a rows file.
    public static func load(path: String) throws -> RowSource {
        guard let file = fopen(path, "rb") else {
            throw BenchError.invalidRows("cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        return try parse(String(decoding: bytes, as: UTF8.self), name: path)
    }

    /// Request batches: `batch` consecutive rows each (wrapping around),
    /// at most `limit` different batches.
    public func batches(of batch: Int, limit: Int) -> [[[Float]]] {
        let count = max(1, min(limit, max(1, rows.count / batch)))
        var out: [[[Float]]] = []
        out.reserveCapacity(count)
        var cursor = 0
        for _ in 0..<count {
            var rowsOfBatch: [[Float]] = []
            for _ in 0..<batch {
                rowsOfBatch.append(rows[cursor % rows.count])
                cursor += 1
            }
            out.append(rowsOfBatch)
        }
        return out
    }
}
