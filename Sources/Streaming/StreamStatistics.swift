import Primitives

/// Counters one stream service keeps, rendered as Prometheus text for
/// `--metrics-port`. Thread-safe (the service thread writes, the metrics
/// endpoint reads).
public final class StreamStatistics: Sendable {
    public struct Counts: Sendable {
        public var consumed = 0
        public var published = 0
        public var acked = 0
        public var redelivered = 0
        public var deadLettered = 0
        public var joinPending = 0
        public var rowsWritten = 0
        public var reconnects = 0
        public var batches = 0
        public var batchedMessages = 0
        /// End-to-end latency (X's ts → row written) in buckets, seconds.
        public var latencyBuckets = [Int](repeating: 0, count: StreamStatistics.latencyBounds.count + 1)
        public var latencySum = 0.0
        public var latencyCount = 0
    }

    /// Upper bounds of the latency histogram's buckets, seconds.
    public static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let counts = Locked(Counts())
    /// Metric name prefix, e.g. `swerve_stream_metrics`.
    public let prefix: String

    public init(service: String) { prefix = "swerve_stream_\(service)" }

    public func update(_ body: (inout Counts) -> Void) { counts.withLock { body(&$0) } }

    public var snapshot: Counts { counts.withLock { $0 } }

    func observeLatency(_ seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        update { c in
            let bucket = Self.latencyBounds.firstIndex(where: { seconds <= $0 }) ?? Self.latencyBounds.count
            c.latencyBuckets[bucket] += 1
            c.latencySum += seconds
            c.latencyCount += 1
        }
    }

    /// Prometheus text exposition format 0.0.4.
    public func prometheusText() -> String {
        let c = snapshot
        var out = ""
        func counter(_ name: String, _ help: String, _ value: Int, type: String = "counter") {
            out += "# HELP \(prefix)_\(name) \(help)\n# TYPE \(prefix)_\(name) \(type)\n\(prefix)_\(name) \(value)\n"
        }
        counter("consumed_total", "Messages taken from the broker.", c.consumed)
        counter("published_total", "Messages published and confirmed.", c.published)
        counter("acked_total", "Messages acknowledged.", c.acked)
        counter("redelivered_total", "Messages the broker delivered again.", c.redelivered)
        counter("dead_lettered_total", "Messages moved to a .dead queue.", c.deadLettered)
        counter("join_pending", "Halves waiting for their pair.", c.joinPending, type: "gauge")
        counter("rows_written_total", "CSV rows flushed to disk.", c.rowsWritten)
        counter("reconnects_total", "Broker reconnections.", c.reconnects)
        counter("batches_total", "Model runs.", c.batches)
        counter("batched_messages_total", "Messages run in batches (divide by batches for the mean size).", c.batchedMessages)
        out += "# HELP \(prefix)_latency_seconds End-to-end latency from X's ts to the row written.\n"
        out += "# TYPE \(prefix)_latency_seconds histogram\n"
        var cumulative = 0
        for (i, bound) in Self.latencyBounds.enumerated() {
            cumulative += c.latencyBuckets[i]
            out += "\(prefix)_latency_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(prefix)_latency_seconds_bucket{le=\"+Inf\"} \(c.latencyCount)\n"
        out += "\(prefix)_latency_seconds_sum \(c.latencySum)\n\(prefix)_latency_seconds_count \(c.latencyCount)\n"
        return out
    }
}
