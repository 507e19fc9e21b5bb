import Wire

/// Runs asynchronous jobs: Submit queues a Predict, GetJob reports on it.
///
/// The seam for the job queue (a later issue): set one on the `Dispatcher`
/// to enable the two calls; without one they answer UNIMPLEMENTED.
/// Implementations must be thread-safe: the dispatcher calls them from any
/// thread. Both calls must answer quickly (enqueue or look up, never run the
/// model on the caller's thread).
public protocol JobService: Sendable {
    /// Queues `request.request`; the same idempotency key within the result
    /// TTL returns the same job id.
    func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?) -> Result<SubmitResponse, WireError>
    /// A job's state and, once finished, its result or error; NOT_FOUND for an
    /// unknown or expired id.
    func getJob(_ request: GetJobRequest) -> Result<GetJobResponse, WireError>
}

extension Dispatcher {
    func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?) -> Result<SubmitResponse, WireError> {
        guard let jobService else {
            return .failure(WireError(.unimplemented,
                "submit: asynchronous jobs are not enabled in this build; call predict instead"))
        }
        if let error = Self.checkSpec(request.request.modelSpec) { return .failure(error) }
        return jobService.submit(request, deadline: deadline)
    }

    func getJob(_ request: GetJobRequest) -> Result<GetJobResponse, WireError> {
        guard let jobService else {
            return .failure(WireError(.unimplemented,
                "get_job: asynchronous jobs are not enabled in this build; call predict instead"))
        }
        return jobService.getJob(request)
    }
}
