#if canImport(Glibc)
import Glibc
#endif
import Wire

extension SwerveClient {
    /// Queues a Predict to run asynchronously and returns its job id; the
    /// server answers before the model runs.
    public func submit(_ request: PredictRequest, idempotencyKey: String = "", timeoutMs: UInt32 = 0) throws -> String {
        guard case .submit(let r) = try call(.submit(SubmitRequest(request: request, idempotencyKey: idempotencyKey)),
                                             timeoutMs: timeoutMs) else {
            throw SwerveClientError.protocolViolation("submit answered with another result")
        }
        return r.jobId
    }

    /// A job's state, timings and, once finished, its result or error.
    /// Throws `.status` with NOT_FOUND for an unknown or expired id.
    public func getJob(_ jobID: String, timeoutMs: UInt32 = 0) throws -> GetJobResponse {
        guard case .getJob(let r) = try call(.getJob(GetJobRequest(jobId: jobID)), timeoutMs: timeoutMs) else {
            throw SwerveClientError.protocolViolation("get_job answered with another result")
        }
        return r
    }

    /// Polls a job until it is COMPLETED or FAILED, at most `timeout`.
    /// Polls quickly at first, then every `maxInterval`.
    public func waitForJob(_ jobID: String, timeout: Duration,
                           maxInterval: Duration = .milliseconds(200)) throws -> GetJobResponse {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var interval: Duration = .milliseconds(2)
        while true {
            let job = try getJob(jobID)
            if job.state == .completed || job.state == .failed { return job }
            if ContinuousClock.now.advanced(by: interval) > deadline {
                throw SwerveClientError.transport("job \(jobID) is still \(job.state) after \(timeout)")
            }
            SwerveClient.sleep(interval)
            interval = min(interval * 2, maxInterval)
        }
    }
}

extension SwerveClient {
    /// Sleeps the calling thread (for polling loops in clients, never on a loop).
    static func sleep(_ duration: Duration) {
        let (s, atto) = duration.components
        var request = timespec(tv_sec: Int(s), tv_nsec: Int(atto / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
