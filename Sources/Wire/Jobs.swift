/// Queues a Predict to run later; answers at once with a job id.
public struct SubmitRequest: Sendable {
    public var request: PredictRequest
    /// The same key within the result TTL returns the same job id.
    public var idempotencyKey: String

    public init(request: PredictRequest, idempotencyKey: String = "") {
        self.request = request
        self.idempotencyKey = idempotencyKey
    }
}

/// The id of a queued job.
public struct SubmitResponse: Sendable, Equatable {
    public var jobId: String

    public init(jobId: String) { self.jobId = jobId }
}

/// Asks for a job's state and, once it finished, its result.
public struct GetJobRequest: Sendable, Equatable {
    public var jobId: String

    public init(jobId: String) { self.jobId = jobId }
}

/// A job's state. It only moves forward: pending → processing → completed | failed.
public enum JobState: Int32, Sendable, CaseIterable {
    /// `STATE_UNSPECIFIED`: not set (never sent by a server).
    case unspecified = 0
    /// `PENDING`: queued, not yet picked up by a worker.
    case pending = 1
    /// `PROCESSING`: a worker runs it.
    case processing = 2
    /// `COMPLETED`: `result` holds the outputs.
    case completed = 3
    /// `FAILED`: `error` says why.
    case failed = 4
}

/// A job's state, result or error, and timings.
public struct GetJobResponse: Sendable {
    public var jobId: String
    public var state: JobState
    /// Set when `state` is `.completed`.
    public var result: PredictResponse?
    /// Set when `state` is `.failed`.
    public var error: Status?
    /// Unix time in microseconds; 0 when the step has not happened.
    public var submittedAtMicros: Int64
    public var startedAtMicros: Int64
    public var finishedAtMicros: Int64
    public var attempts: UInt32

    public init(jobId: String, state: JobState, result: PredictResponse? = nil, error: Status? = nil,
                submittedAtMicros: Int64 = 0, startedAtMicros: Int64 = 0, finishedAtMicros: Int64 = 0,
                attempts: UInt32 = 0) {
        self.jobId = jobId
        self.state = state
        self.result = result
        self.error = error
        self.submittedAtMicros = submittedAtMicros
        self.startedAtMicros = startedAtMicros
        self.finishedAtMicros = finishedAtMicros
        self.attempts = attempts
    }
}
