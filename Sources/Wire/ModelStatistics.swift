/// Asks for per-version call statistics: of one model (optionally one
/// version), or of every model when `modelSpec.name` is empty.
public struct GetModelStatisticsRequest: Sendable, Equatable {
    public var modelSpec: ModelSpec

    public init(modelSpec: ModelSpec = ModelSpec(name: "")) { self.modelSpec = modelSpec }
}

/// A number of calls and the nanoseconds they took together.
public struct StatisticDuration: Sendable, Equatable {
    public var count: UInt64
    public var ns: UInt64

    public init(count: UInt64 = 0, ns: UInt64 = 0) {
        self.count = count
        self.ns = ns
    }
}

/// One model version's counters since it was loaded (Triton's statistics
/// extension: success, fail, queue and compute, each a count and a time).
public struct ModelVersionStatistics: Sendable, Equatable {
    public var name: String
    public var version: Int64
    /// Milliseconds since the Unix epoch of the last call; 0 = none yet.
    public var lastInferenceMs: UInt64
    /// Rows (first dimension) predicted successfully.
    public var inferenceCount: UInt64
    /// Successful model executions.
    public var executionCount: UInt64
    public var success: StatisticDuration
    public var fail: StatisticDuration
    /// From the call's arrival to the model starting to run.
    public var queue: StatisticDuration
    /// Running the model.
    public var computeInfer: StatisticDuration
    /// Calls answered from the prediction cache (also in `success`; no model ran).
    public var cacheHit: StatisticDuration

    public init(name: String, version: Int64, lastInferenceMs: UInt64 = 0, inferenceCount: UInt64 = 0,
                executionCount: UInt64 = 0, success: StatisticDuration = .init(), fail: StatisticDuration = .init(),
                queue: StatisticDuration = .init(), computeInfer: StatisticDuration = .init(),
                cacheHit: StatisticDuration = .init()) {
        self.name = name
        self.version = version
        self.lastInferenceMs = lastInferenceMs
        self.inferenceCount = inferenceCount
        self.executionCount = executionCount
        self.success = success
        self.fail = fail
        self.queue = queue
        self.computeInfer = computeInfer
        self.cacheHit = cacheHit
    }
}

/// Statistics of the versions asked for, by model name then version.
public struct GetModelStatisticsResponse: Sendable, Equatable {
    public var modelStats: [ModelVersionStatistics]

    public init(modelStats: [ModelVersionStatistics]) { self.modelStats = modelStats }
}
