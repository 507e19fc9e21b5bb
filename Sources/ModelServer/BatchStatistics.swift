import Primitives

/// The batcher's histograms for /metrics, per model: rows per batch run and
/// each call's wait in the queue.
///
/// Thread-safety: one lock; the runner thread records, scrapes read.
public final class BatchStatistics: Sendable {
    /// Upper bounds of the rows-per-batch buckets.
    public static let rowBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    /// Upper bounds (seconds) of the queue-delay buckets.
    public static let delayBuckets: [Double] = [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1]

    /// Cumulative-ready histogram counts: `buckets[i]` counts values ≤ bound i.
    public struct Histogram: Sendable {
        public var buckets: [UInt64]
        public var count: UInt64 = 0
        public var sum: Double = 0

        init(bucketCount: Int) { buckets = Array(repeating: 0, count: bucketCount) }

        mutating func add(_ value: Double, bounds: [Double]) {
            count += 1
            sum += value
            if let i = bounds.firstIndex(where: { value <= $0 }) { buckets[i] += 1 }
        }
    }

    private let state = Locked<[String: (rows: Histogram, delay: Histogram)]>([:])

    func record(model: String, rows: Int, delays: [Duration]) {
        state.withLock { s in
            var h = s[model] ?? (Histogram(bucketCount: Self.rowBuckets.count), Histogram(bucketCount: Self.delayBuckets.count))
            h.rows.add(Double(rows), bounds: Self.rowBuckets)
            for d in delays {
                h.delay.add(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18, bounds: Self.delayBuckets)
            }
            s[model] = h
        }
    }

    /// Every model's histograms, sorted by model.
    public func snapshot() -> [(model: String, rows: Histogram, delay: Histogram)] {
        state.withLock { $0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.rows, $0.value.delay) }
    }
}
