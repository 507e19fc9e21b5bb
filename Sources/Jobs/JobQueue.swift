import Wire

/// Runs one job's Predict: the model server's predict path, called on a
/// worker thread (never on an event loop or the request path).
public typealias JobRunner = @Sendable (PredictRequest) -> Result<PredictResponse, WireError>

/// Where asynchronous jobs wait, run and keep their results.
///
/// Lifecycle: create a driver, optionally `startWorkers` (in-process workers
/// that take jobs and run them through `runner`), serve `submit`/`getJob`,
/// and finally `shutdown`, which stops accepting, lets workers finish what
/// they hold (bounded) and reports what was left.
///
/// Thread-safety: every method may be called from any thread. `submit` and
/// `getJob` never block the caller on I/O or on a model run: they answer
/// through `completion`, exactly once, on any thread (often one of the
/// driver's own).
///
/// States only move forward: pending → processing → completed | failed.
/// Delivery is at least once (a job whose worker died runs again); a
/// result is stored once.
public protocol JobQueue: AnyObject, Sendable {
    /// Human-readable description for logs, e.g. "memory" or "redis://host:6379".
    var description: String { get }

    /// Accepts a job and answers with its id before any model runs. The same
    /// non-empty idempotency key within the result TTL answers the same id.
    /// Full queue → RESOURCE_EXHAUSTED; backend unreachable → UNAVAILABLE.
    func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?,
                completion: @escaping @Sendable (Result<SubmitResponse, WireError>) -> Void)

    /// A job's state, timings and, once finished, its result or error.
    /// Unknown or expired id → NOT_FOUND.
    func getJob(_ jobID: String, deadline: ContinuousClock.Instant?,
                completion: @escaping @Sendable (Result<GetJobResponse, WireError>) -> Void)

    /// Starts `count` worker threads that run jobs through `runner`. Call at
    /// most once, before or after submits.
    func startWorkers(count: Int, runner: @escaping JobRunner)

    /// Stops accepting jobs, lets workers finish (memory driver: also the
    /// queued jobs) for at most `drain`, then stops them.
    @discardableResult
    func shutdown(drain: Duration) -> JobDrainReport

    /// Jobs waiting and running and results held, as this process sees them
    /// (for metrics and tests).
    func statistics() -> JobStatistics
}

/// What `JobQueue.shutdown` left behind.
public struct JobDrainReport: Sendable, Equatable, CustomStringConvertible {
    /// Jobs that finished during the drain.
    public var finished: Int
    /// Jobs still queued (memory driver: lost with the process; Redis: left
    /// in Redis for other workers) when the drain ended.
    public var leftQueued: Int
    /// Jobs a worker was still running when the drain time ran out (Redis:
    /// returned to the queue; reclaimed after the visibility timeout).
    public var leftRunning: Int

    public init(finished: Int = 0, leftQueued: Int = 0, leftRunning: Int = 0) {
        self.finished = finished
        self.leftQueued = leftQueued
        self.leftRunning = leftRunning
    }

    public var description: String {
        "\(finished) jobs finished while draining, \(leftQueued) left queued, \(leftRunning) left running"
    }
}
