import Histogram

/// Latency percentiles in microseconds.
public struct LatencySummary: Sendable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    init(_ histogram: Histogram<UInt64>) {
        func us(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1000 }
        if histogram.totalCount == 0 {
            p50 = 0; p90 = 0; p99 = 0; p999 = 0; max = 0; mean = 0
            return
        }
        p50 = us(histogram.valueAtPercentile(50))
        p90 = us(histogram.valueAtPercentile(90))
        p99 = us(histogram.valueAtPercentile(99))
        p999 = us(histogram.valueAtPercentile(99.9))
        max = us(histogram.max)
        mean = histogram.mean / 1000
    }
}

/// One point of the throughput-over-time series.
public struct ThroughputSample: Sendable, Equatable {
    /// Seconds since measuring began (end of this interval).
    public var seconds: Double
    /// Successful requests per second in the interval.
    public var requestsPerSecond: Double
    /// Failed requests per second in the interval.
    public var errorsPerSecond: Double
}

/// The numbers of one workload kind in a mix.
public struct KindResult: Sendable, Equatable {
    public var kind: WorkloadKind
    public var ok: Int
    public var errors: Int
    public var requestsPerSecond: Double
    public var latency: LatencySummary
}

/// Everything a run measured. Rendered by ``summaryTable()``, ``jsonText()``
/// and ``htmlText()``.
public struct BenchResult: Sendable {
    /// What was run, e.g. "binary 127.0.0.1:8500, closed loop, 32 connections x 16 in flight".
    public var description: String
    public var target: String
    public var workload: String
    public var loadDescription: String
    public var connections: Int
    public var loops: Int
    /// Measured seconds.
    public var durationSeconds: Double
    /// Measured requests answered OK.
    public var ok: Int
    /// Measured requests that failed (any reason).
    public var failed: Int
    /// Rows predicted by the OK requests.
    public var rows: Int
    /// OK requests per second.
    public var requestsPerSecond: Double
    /// Rows per second.
    public var predictionsPerSecond: Double
    /// Latency of the OK requests (closed loop: send → response; open loop:
    /// intended send → response).
    public var latency: LatencySummary
    /// The percentile curve: (percentile, microseconds), for plotting.
    public var percentileCurve: [(percentile: Double, microseconds: Double)]
    /// Failures by code (`UNIMPLEMENTED`, `HTTP_503`, `TIMEOUT`, …).
    public var errors: [String: Int]
    /// One message per error code, when the server gave one.
    public var errorExamples: [String: String]
    public var byKind: [KindResult]
    public var timeline: [ThroughputSample]
    /// Open loop: the configured rate and how late the generator sent (µs).
    public var targetRate: Double?
    public var sendLag: LatencySummary?
    public var cpu: CPUUsage?

    init(configuration: BenchConfiguration, durationSeconds: Double, recorder: LoopRecorder,
         timeline: [ThroughputSample], cpu: CPUUsage?) {
        target = configuration.target.description + (configuration.tls != nil ? " over TLS" : "")
        workload = configuration.mix.count == 1
            ? configuration.mix[0].kind.rawValue
            : configuration.mix.map { "\($0.kind.rawValue)=\($0.weight)" }.joined(separator: ",")
        switch configuration.load {
        case .closed(let pipeline):
            loadDescription = "closed loop, \(configuration.connections) connections x \(pipeline) in flight"
            targetRate = nil
            sendLag = nil
        case .open(let rate, let maxInFlight):
            loadDescription = "open loop at \(Int(rate)) req/s over \(configuration.connections) connections (max \(maxInFlight) in flight each"
                + (configuration.tick > 0 ? ", pacer tick \(BenchReport.number(configuration.tick)) µs)" : ")")
            targetRate = rate
            sendLag = LatencySummary(recorder.sendLag)
        }
        description = "\(target), \(workload) model \(configuration.model) batch \(configuration.batch), \(loadDescription), \(configuration.loops) bench loop(s)"
        connections = configuration.connections
        loops = configuration.loops
        self.durationSeconds = durationSeconds
        ok = recorder.okByKind.reduce(0, +)
        failed = recorder.errors.values.reduce(0, +)
        rows = recorder.rows
        let seconds = max(durationSeconds, 1e-9)
        requestsPerSecond = Double(ok) / seconds
        predictionsPerSecond = Double(rows) / seconds
        latency = LatencySummary(recorder.latency)
        var curve: [(Double, Double)] = []
        if recorder.latency.totalCount > 0 {
            for point in recorder.latency.percentiles(ticksPerHalfDistance: 5) {
                curve.append((point.percentileLevelIteratedTo, Double(point.value) / 1000))
                if point.percentileLevelIteratedTo >= 99.9999 { break }
            }
        }
        percentileCurve = curve
        errors = recorder.errors
        errorExamples = recorder.errorExamples
        byKind = configuration.kinds.map { kind in
            KindResult(kind: kind, ok: recorder.okByKind[kind.index], errors: recorder.errorsByKind[kind.index],
                       requestsPerSecond: Double(recorder.okByKind[kind.index]) / seconds,
                       latency: LatencySummary(recorder.latencyByKind[kind.index]))
        }
        self.timeline = timeline
        self.cpu = cpu
    }
}
