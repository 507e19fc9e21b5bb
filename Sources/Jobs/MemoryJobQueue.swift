import Primitives
import Logging
import Wire

/// The embedded driver: a bounded in-process queue, worker threads that run
/// jobs through the model server, and results kept for the result TTL.
///
/// Memory is bounded twice: at most `capacity` jobs wait, and at most
/// `maxRetainedResults` finished jobs are kept (the oldest go first, as they
/// also expire first). Expired jobs are removed on the next call that looks
/// at the store, and GetJob answers NOT_FOUND for them even before that.
///
/// Thread-safety: one mutex guards everything; it is never held while a
/// model runs. `submit`/`getJob` complete inline on the caller's thread
/// (they only touch memory).
public final class MemoryJobQueue: JobQueue, @unchecked Sendable {
    private struct Job {
        var state: JobState
        var request: PredictRequest?
        var result: PredictResponse?
        var error: Status?
        var submittedAt: Int64
        var startedAt: Int64 = 0
        var finishedAt: Int64 = 0
        var attempts: UInt32 = 0
        var idempotencyKey: String
        var expiresAt: ContinuousClock.Instant?
    }

    public let description = "memory"
    private let options: JobQueueOptions
    private let logger: Logger
    private let lock = Locked()
    // Everything below is guarded by `lock`.
    private var jobs: [String: Job] = [:]
    private var keys: [String: String] = [:]
    private var queued: [String] = []
    private var queuedHead = 0
    /// Finished ids in finishing order, which is also expiry order.
    private var finishedOrder: [String] = []
    private var finishedHead = 0
    private var running = 0
    private var accepting = true
    private var stopping = false
    private var abandon = false
    private var finishedWhileDraining = 0
    private var workers: [PThread] = []
    private var counters = JobCounters()

    public init(options: JobQueueOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Result<SubmitResponse, WireError>) -> Void) {
        completion(submit(request))
    }

    /// Submit answered on the calling thread.
    public func submit(_ request: SubmitRequest) -> Result<SubmitResponse, WireError> {
        let now = ContinuousClock.now
        return lock.withLock {
            removeExpired(now: now)
            guard accepting else {
                return .failure(WireError(.unavailable, "the server is shutting down and accepts no new jobs"))
            }
            let key = request.idempotencyKey
            if !key.isEmpty, let id = keys[key], jobs[id] != nil {
                return .success(SubmitResponse(jobId: id))
            }
            let waiting = queued.count - queuedHead
            guard waiting < options.capacity else {
                counters.rejected += 1
                return .failure(WireError(.resourceExhausted,
                    "the job queue is full (\(options.capacity) jobs waiting, --queue-capacity); retry later"))
            }
            let id = JobID.make()
            jobs[id] = Job(state: .pending, request: request.request, submittedAt: JobClock.unixMicros(),
                           idempotencyKey: key)
            if !key.isEmpty { keys[key] = id }
            queued.append(id)
            counters.submitted += 1
            lock.broadcast()
            return .success(SubmitResponse(jobId: id))
        }
    }

    public func getJob(_ jobID: String, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Result<GetJobResponse, WireError>) -> Void) {
        completion(getJob(jobID))
    }

    /// GetJob answered on the calling thread.
    public func getJob(_ jobID: String) -> Result<GetJobResponse, WireError> {
        if let problem = JobID.validate(jobID) { return .failure(.invalidArgument(problem)) }
        let now = ContinuousClock.now
        return lock.withLock {
            removeExpired(now: now)
            guard let job = jobs[jobID], !(job.expiresAt.map { $0 <= now } ?? false) else {
                return .failure(WireError(.notFound, "no job '\(jobID)': unknown, or its result expired "
                    + "(results are kept \(Int64(options.resultTTL.milliseconds) / 1000) s)"))
            }
            return .success(GetJobResponse(jobId: jobID, state: job.state, result: job.result, error: job.error,
                                           submittedAtMicros: job.submittedAt, startedAtMicros: job.startedAt,
                                           finishedAtMicros: job.finishedAt, attempts: job.attempts))
        }
    }

    public func startWorkers(count: Int, runner: @escaping JobRunner) {
        lock.withLock {
            precondition(workers.isEmpty, "startWorkers called twice")
            for i in 0..<count {
                workers.append(PThread(name: "swerve-job-\(i)") { [self] in work(runner) })
            }
        }
    }

    /// Jobs waiting, running, and finished results held; for metrics and tests.
    public func statistics() -> JobStatistics {
        lock.withLock {
            JobStatistics(queued: queued.count - queuedHead, running: running,
                          retained: finishedOrder.count - finishedHead, counters: counters)
        }
    }

    @discardableResult
    public func shutdown(drain: Duration) -> JobDrainReport {
        let deadline = ContinuousClock.now.advanced(by: drain)
        let report: JobDrainReport = lock.withLock {
            accepting = false
            stopping = true
            lock.broadcast()
            // Workers keep taking queued jobs until the queue is empty or the
            // drain time runs out.
            while (queued.count > queuedHead || running > 0) && ContinuousClock.now < deadline && !workers.isEmpty {
                lock.wait(until: deadline)
            }
            abandon = true
            lock.broadcast()
            return JobDrainReport(finished: finishedWhileDraining, leftQueued: queued.count - queuedHead,
                                  leftRunning: running)
        }
        // A worker still inside a model run cannot be interrupted; joining it
        // would stretch the drain past its bound, so only join idle ones.
        let threads = lock.withLock { let t = workers; workers = []; return t }
        for thread in threads {
            if report.leftRunning == 0 { thread.join() } else { thread.detach() }
        }
        return report
    }

    // MARK: Workers

    private func work(_ runner: JobRunner) {
        while let (id, request) = take() {
            let result = runner(request)
            finish(id, result)
        }
    }

    /// The next queued job, marked processing; nil when the worker should stop.
    private func take() -> (String, PredictRequest)? {
        lock.withLock {
            while true {
                if abandon { return nil }
                if queued.count > queuedHead {
                    let id = queued[queuedHead]
                    queuedHead += 1
                    compactQueue()
                    guard var job = jobs[id], let request = job.request else { continue }
                    job.state = .processing
                    job.startedAt = JobClock.unixMicros()
                    job.attempts += 1
                    jobs[id] = job
                    running += 1
                    return (id, request)
                }
                if stopping { return nil }
                lock.wait(until: nil)
            }
        }
    }

    private func finish(_ id: String, _ result: Result<PredictResponse, WireError>) {
        let now = ContinuousClock.now
        lock.withLock {
            running -= 1
            if stopping { finishedWhileDraining += 1 }
            if var job = jobs[id] {
                switch result {
                case .success(let response):
                    job.state = .completed
                    job.result = response
                    counters.completed += 1
                case .failure(let error):
                    job.state = .failed
                    job.error = error.status
                    counters.failed += 1
                }
                job.request = nil  // the inputs are no longer needed; free them
                job.finishedAt = JobClock.unixMicros()
                job.expiresAt = now.advanced(by: options.resultTTL)
                jobs[id] = job
                finishedOrder.append(id)
            }
            removeExpired(now: now)
            lock.broadcast()
        }
    }

    // MARK: Bookkeeping (lock held)

    private func removeExpired(now: ContinuousClock.Instant) {
        while finishedHead < finishedOrder.count {
            let id = finishedOrder[finishedHead]
            let overBound = finishedOrder.count - finishedHead > options.maxRetainedResults
            if let job = jobs[id], !overBound, let expiresAt = job.expiresAt, expiresAt > now { break }
            if let job = jobs.removeValue(forKey: id), !job.idempotencyKey.isEmpty, keys[job.idempotencyKey] == id {
                keys[job.idempotencyKey] = nil
            }
            finishedHead += 1
        }
        if finishedHead > 1024 && finishedHead * 2 > finishedOrder.count {
            finishedOrder.removeFirst(finishedHead)
            finishedHead = 0
        }
    }

    private func compactQueue() {
        if queuedHead > 1024 && queuedHead * 2 > queued.count {
            queued.removeFirst(queuedHead)
            queuedHead = 0
        }
    }
}

/// Totals since a queue started.
public struct JobCounters: Sendable, Equatable {
    public var submitted = 0
    public var rejected = 0
    public var completed = 0
    public var failed = 0
    /// Redis workers: jobs another worker had already finished (a second
    /// delivery); their result was not stored again.
    public var duplicates = 0
    /// Redis workers: jobs taken over from a worker that did not finish them.
    public var reclaimed = 0

    public init() {}
}

/// A queue's current load and totals.
public struct JobStatistics: Sendable, Equatable {
    public var queued: Int
    public var running: Int
    public var retained: Int
    public var counters: JobCounters
}
