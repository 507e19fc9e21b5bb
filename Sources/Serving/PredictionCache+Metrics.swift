import ModelServer
import REST

extension PredictionCache {
    /// Prometheus exposition lines for REST `/metrics`:
    /// `swerve_cache_hits_total`, `swerve_cache_misses_total`,
    /// `swerve_cache_evictions_total` (labels model, version), and the gauges
    /// `swerve_cache_entries`, `swerve_cache_bytes` (label model).
    func prometheusText() -> String {
        let counts = allCounts()
        var out = ""
        let counters: [(String, String, KeyPath<Counts, UInt64>)] = [
            ("swerve_cache_hits_total", "Predictions answered from the cache.", \.hits),
            ("swerve_cache_misses_total", "Cacheable predictions the cache did not hold.", \.misses),
            ("swerve_cache_evictions_total", "Cache entries evicted to stay within max_entries and max_bytes.", \.evictions),
        ]
        for (name, help, field) in counters {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
            for c in counts {
                out += "\(name){model=\(RESTMetrics.quote(c.model)),version=\"\(c.version)\"} \(c[keyPath: field])\n"
            }
        }
        let usage = allUsage()
        out += "# HELP swerve_cache_entries Entries the prediction cache holds.\n# TYPE swerve_cache_entries gauge\n"
        for u in usage { out += "swerve_cache_entries{model=\(RESTMetrics.quote(u.model))} \(u.entries)\n" }
        out += "# HELP swerve_cache_bytes Bytes the prediction cache accounts for (keys, outputs, overhead).\n"
        out += "# TYPE swerve_cache_bytes gauge\n"
        for u in usage { out += "swerve_cache_bytes{model=\(RESTMetrics.quote(u.model))} \(u.bytes)\n" }
        return out
    }
}
