import Primitives
import Logging
import Wire
import Redis

/// The Redis Streams driver: Submit and GetJob go to Redis through a small
/// connection pool (so several front servers share jobs), and
/// `startWorkers` runs workers that take jobs from the stream's consumer
/// group (in `swerve serve --workers N` or in `swerve worker`).
///
/// Durability follows Redis's: with `appendfsync always` a job whose Submit
/// was answered survives Redis being killed; with the default
/// (`everysec`) up to a second of accepted jobs can be lost.
///
/// Thread-safety: every method may be called from any thread.
public final class RedisJobQueue: JobQueue, @unchecked Sendable {
    public let address: RedisAddress
    let options: JobQueueOptions
    let keys: RedisJobKeys
    private let logger: Logger
    private let pool: RedisCommandPool
    private let lock = Locked()
    private var workers: RedisWorkerGroup?

    public init(address: RedisAddress, options: JobQueueOptions, logger: Logger) {
        self.address = address
        self.options = options
        self.logger = logger
        keys = RedisJobKeys(prefix: options.keyPrefix)
        pool = RedisCommandPool(address: address, connections: options.frontConnections,
                                connectTimeout: options.connectTimeout, commandTimeout: options.commandTimeout,
                                logger: logger)
    }

    public var description: String { address.description }

    private var ttlSeconds: RedisArgument { .integer(max(1, Int64(options.resultTTL.milliseconds) / 1000)) }

    public func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Result<SubmitResponse, WireError>) -> Void) {
        let key = request.idempotencyKey
        if key.utf8.count > 256 {
            return completion(.failure(.invalidArgument("idempotency_key is longer than 256 bytes")))
        }
        let id = JobID.make()
        var scriptKeys: [RedisArgument] = [.text(keys.stream), .text(keys.job(id))]
        if !key.isEmpty { scriptKeys.append(.text(keys.idempotency(key))) }
        let address = self.address
        pool.enqueue(script: RedisJobScripts.submit, keys: scriptKeys,
                     arguments: [.text(id), .bytes(JobCodec.encode(request.request)), ttlSeconds],
                     deadline: deadline) { result in
            completion(result.flatMap { reply in
                if let jobID = reply.text, reply.errorMessage == nil { return .success(SubmitResponse(jobId: jobID)) }
                return .failure(Self.replyError(reply, address: address, doing: "submit"))
            })
        }
    }

    public func getJob(_ jobID: String, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Result<GetJobResponse, WireError>) -> Void) {
        if let problem = JobID.validate(jobID) { return completion(.failure(.invalidArgument(problem))) }
        let address = self.address
        let ttl = options.resultTTL
        pool.enqueue(script: nil, keys: ["HMGET", .text(keys.job(jobID))],
                     arguments: ["state", "submitted", "started", "finished", "attempts", "result", "err_code", "err_msg"],
                     deadline: deadline) { result in
            completion(result.flatMap { reply in Self.jobResponse(reply, jobID: jobID, resultTTL: ttl, address: address) })
        }
    }

    /// A job record as `getJob`'s HMGET returns it (state, submitted, started,
    /// finished, attempts, result, err_code, err_msg) turned into the answer:
    /// NOT_FOUND for a missing or unreadable state, the stored result decoded
    /// for a completed job, the stored status for a failed one.
    static func jobResponse(_ reply: RedisReply, jobID: String, resultTTL ttl: Duration,
                            address: RedisAddress) -> Result<GetJobResponse, WireError> {
        guard let fields = reply.array, fields.count == 8 else {
            return .failure(Self.replyError(reply, address: address, doing: "get_job"))
        }
        // Int32(exactly:): a record whose numbers do not fit (corrupt, or not
        // written by swerve) is a missing job or an unknown code, not a trap.
        guard let stateNumber = fields[0].integer.flatMap(Int32.init(exactly:)),
              let state = JobState(rawValue: stateNumber) else {
            return .failure(WireError(.notFound, "no job '\(jobID)': unknown, or its result expired "
                + "(results are kept \(Int64(ttl.milliseconds) / 1000) s)"))
        }
        var response = GetJobResponse(jobId: jobID, state: state,
                                      submittedAtMicros: fields[1].integer ?? 0,
                                      startedAtMicros: fields[2].integer ?? 0,
                                      finishedAtMicros: fields[3].integer ?? 0,
                                      attempts: UInt32(clamping: fields[4].integer ?? 0))
        switch state {
        case .completed:
            guard let bytes = fields[5].bytes else {
                return .failure(WireError(.internal, "job '\(jobID)' is completed but has no stored result"))
            }
            switch JobCodec.decodeResponse(bytes) {
            case .success(let r): response.result = r
            case .failure(let e): return .failure(e)
            }
        case .failed:
            let code = fields[6].integer.flatMap(Int32.init(exactly:)).flatMap(StatusCode.init(rawValue:)) ?? .unknown
            response.error = Status(code == .ok ? .unknown : code, fields[7].text ?? "")
        default:
            break
        }
        return .success(response)
    }

    public func startWorkers(count: Int, runner: @escaping JobRunner) {
        guard count > 0 else { return }
        lock.withLock {
            precondition(workers == nil, "startWorkers called twice")
            workers = RedisWorkerGroup(queue: self, count: count, runner: runner, logger: logger)
        }
    }

    /// Totals of this process's workers (zero without workers).
    public func statistics() -> JobStatistics {
        lock.withLock { workers?.statistics() } ?? JobStatistics(queued: 0, running: 0, retained: 0, counters: JobCounters())
    }

    @discardableResult
    public func shutdown(drain: Duration) -> JobDrainReport {
        let group = lock.withLock { let w = workers; workers = nil; return w }
        let report = group?.shutdown(drain: drain) ?? JobDrainReport()
        pool.shutdown()
        return report
    }

    static func replyError(_ reply: RedisReply, address: RedisAddress, doing call: String) -> WireError {
        if let message = reply.errorMessage {
            if message.hasPrefix("OOM") {
                return WireError(.resourceExhausted, "\(call): Redis at \(address) is out of memory: \(message)")
            }
            return WireError(.unavailable, "\(call): Redis at \(address) answered: \(message)")
        }
        return WireError(.internal, "\(call): unexpected reply from Redis at \(address): \(reply)")
    }
}
