import Logging
import Redis

/// How to build a job queue: the driver and its limits. `swerve serve` and
/// `swerve worker` fill one from their command line.
public struct JobQueueOptions: Sendable {
    /// Which driver holds the jobs.
    public enum Backend: Sendable, Equatable {
        /// A bounded in-process queue; jobs die with the process.
        case memory
        /// Redis Streams: shared by every front server and worker using it.
        case redis(RedisAddress)
    }

    public var backend: Backend = .memory
    /// Memory driver: jobs waiting to run; more → RESOURCE_EXHAUSTED.
    public var capacity: Int = 10_000
    /// How long a finished job's result (and its idempotency key) is kept.
    public var resultTTL: Duration = .seconds(3600)
    /// Memory driver: finished results kept at most; the oldest go first.
    public var maxRetainedResults: Int = 100_000
    /// Redis: a job taken by a worker that has not finished it after this
    /// long is given to another worker (XAUTOCLAIM).
    public var visibilityTimeout: Duration = .seconds(30)
    /// Redis: runs of one job (first delivery included) before it is FAILED
    /// and copied to the dead-letter stream.
    public var maxAttempts: Int = 3
    /// Redis: bound on connecting (incl. resolving the host name).
    public var connectTimeout: Duration = .seconds(1)
    /// Redis: bound on each command's reply.
    public var commandTimeout: Duration = .seconds(2)
    /// Redis: connections (threads) a front server uses for Submit/GetJob.
    public var frontConnections: Int = 2
    /// Redis: prefix of every key this queue uses, so several deployments
    /// can share one Redis.
    public var keyPrefix: String = "swerve"
    /// In-process worker threads; nil picks the driver's default: one per
    /// core for memory, none for Redis (fronts accept, `swerve worker`s work).
    public var workers: Int? = nil
    /// On shutdown, how long workers may keep running jobs (memory driver:
    /// also the queued ones) before the process stops.
    public var drain: Duration = .seconds(10)

    public init(backend: Backend = .memory) {
        self.backend = backend
    }

    /// The worker threads to start: `workers`, or the driver's default.
    public var workerCount: Int {
        if let workers { return max(0, workers) }
        switch backend {
        case .memory: return max(1, min(System.coreCount, 8))
        case .redis: return 0
        }
    }

    /// Builds the driver these options describe.
    public func makeQueue(logger: Logger) -> any JobQueue {
        switch backend {
        case .memory: return MemoryJobQueue(options: self, logger: logger)
        case .redis(let address): return RedisJobQueue(address: address, options: self, logger: logger)
        }
    }
}
