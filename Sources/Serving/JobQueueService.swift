import Jobs
import ModelServer
import Wire

/// Puts a `JobQueue` (memory or Redis driver) behind the dispatcher's
/// `JobService` seam, and gives its workers the dispatcher's predict path.
///
/// Thread-safety: immutable; the queue is thread-safe.
public final class JobQueueService: JobService {
    public let queue: any JobQueue
    private let repository: ModelRepository

    public init(queue: any JobQueue, repository: ModelRepository) {
        self.queue = queue
        self.repository = repository
    }

    public func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Result<SubmitResponse, WireError>) -> Void) {
        // A job for a model nobody serves would only fail later; say so now.
        // (Inputs are checked when the job runs, against the version that runs it.)
        do {
            _ = try repository.config(name: request.request.modelSpec.name)
        } catch {
            return completion(.failure(.from(error)))
        }
        queue.submit(request, deadline: deadline, completion: completion)
    }

    public func getJob(_ request: GetJobRequest, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Result<GetJobResponse, WireError>) -> Void) {
        queue.getJob(request.jobId, deadline: deadline, completion: completion)
    }

    /// Runs a job's Predict through `dispatcher` on the calling worker
    /// thread, exactly as a synchronous Predict call would run (fan-out
    /// models included).
    public static func runner(dispatcher: Dispatcher) -> JobRunner {
        { request in
            let response = dispatcher.handle(Request(id: 0, call: .predict(request)), deadline: nil)
            guard response.status.isOK else {
                return .failure(WireError(response.status.code, response.status.message))
            }
            guard case .predict(let result)? = response.result else {
                return .failure(WireError(.internal, "predict answered without a predict result"))
            }
            return .success(result)
        }
    }
}
