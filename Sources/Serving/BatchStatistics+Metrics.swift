import ModelServer
import REST

extension BatchStatistics {
    /// Prometheus exposition lines for REST `/metrics`: the histograms
    /// `swerve_batch_rows` and `swerve_batch_queue_delay_seconds` (label model).
    func prometheusText() -> String {
        let models = snapshot()
        var out = "# HELP swerve_batch_rows Rows per batch the adaptive batcher ran.\n# TYPE swerve_batch_rows histogram\n"
        for m in models { out += Self.lines("swerve_batch_rows", m.model, m.rows, Self.rowBuckets) }
        out += "# HELP swerve_batch_queue_delay_seconds Time a call waited for its batch.\n"
        out += "# TYPE swerve_batch_queue_delay_seconds histogram\n"
        for m in models { out += Self.lines("swerve_batch_queue_delay_seconds", m.model, m.delay, Self.delayBuckets) }
        return out
    }

    private static func lines(_ name: String, _ model: String, _ h: Histogram, _ bounds: [Double]) -> String {
        let label = "model=\(RESTMetrics.quote(model))"
        var out = ""
        var cumulative: UInt64 = 0
        for (bound, n) in zip(bounds, h.buckets) {
            cumulative += n
            out += "\(name)_bucket{\(label),le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(label),le=\"+Inf\"} \(h.count)\n"
        out += "\(name)_sum{\(label)} \(h.sum)\n\(name)_count{\(label)} \(h.count)\n"
        return out
    }
}
