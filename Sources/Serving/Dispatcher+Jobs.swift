import Wire

/// Runs asynchronous jobs: Submit queues a Predict, GetJob reports on it.
///
/// The seam for the job queue: set one on the `Dispatcher` to enable the two
/// calls; without one they answer UNIMPLEMENTED.
/// Implementations must be thread-safe: the dispatcher calls them from any
/// thread. Both calls must answer quickly (enqueue or look up, never run the
/// model on the caller's thread).
public protocol JobService: Sendable {
    /// Queues `request.request` and reports its job id; the same idempotency
    /// key within the result TTL returns the same job id. `completion` runs
    /// exactly once, on any thread.
    func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?,
                completion: @escaping @Sendable (Result<SubmitResponse, WireError>) -> Void)
    /// A job's state and, once finished, its result or error; NOT_FOUND for an
    /// unknown or expired id. `completion` runs exactly once, on any thread.
    func getJob(_ request: GetJobRequest, deadline: ContinuousClock.Instant?,
                completion: @escaping @Sendable (Result<GetJobResponse, WireError>) -> Void)
}

/// Runs Predict on fan-out models (models whose config.json has a `fan_out`
/// section) by calling their member services. Thread-safe; `predict`
/// answers through `completion`, exactly once, on any thread.
public protocol FanOutService: Sendable {
    /// True when `model` is a fan-out model this service runs.
    func serves(model: String) -> Bool
    func predict(_ request: PredictRequest, deadline: ContinuousClock.Instant?,
                 completion: @escaping @Sendable (Result<PredictResponse, WireError>) -> Void)
    /// The members of a fan-out model, for the prediction cache: each
    /// member's model, pinned version (nil = newest) and whether it is
    /// remote. Nil when `model` is not a fan-out model this service runs.
    func cacheMembers(model: String) -> [FanOutCacheMember]?
    /// Describes a fan-out model (inputs of its members, outputs of its aggregation).
    func metadata(_ request: GetModelMetadataRequest, deadline: ContinuousClock.Instant?,
                  completion: @escaping @Sendable (Result<GetModelMetadataResponse, WireError>) -> Void)
}

/// One member of a fan-out model as the prediction cache sees it.
public struct FanOutCacheMember: Sendable {
    public var model: String
    public var version: Int64?
    public var isRemote: Bool

    public init(model: String, version: Int64?, isRemote: Bool) {
        self.model = model
        self.version = version
        self.isRemote = isRemote
    }
}

extension FanOutService {
    public func cacheMembers(model: String) -> [FanOutCacheMember]? { nil }

    public func metadata(_ request: GetModelMetadataRequest, deadline: ContinuousClock.Instant?,
                         completion: @escaping @Sendable (Result<GetModelMetadataResponse, WireError>) -> Void) {
        completion(.failure(WireError(.unimplemented, "no metadata for fan-out model '\(request.modelSpec.name)'")))
    }
}

extension Dispatcher {
    /// Calls answered later, off the calling thread.
    func isAsynchronous(_ call: Request.Call) -> Bool {
        switch call {
        case .submit, .getJob: return jobService != nil
        case .predict(let p):
            return fanOut?.serves(model: p.modelSpec.name) ?? false || batcher?.mayBatch(model: p.modelSpec.name) ?? false
        case .getModelMetadata(let g): return fanOut?.serves(model: g.modelSpec.name) ?? false
        case .loadModel, .unloadModel: return true
        default: return false
        }
    }

    func routeAsynchronously(_ request: Request, deadline: ContinuousClock.Instant?,
                             completion: @escaping @Sendable (Result<Response.CallResult, WireError>) -> Void) {
        switch request.call {
        case .submit(let s):
            guard let jobService else { return completion(.failure(Self.jobsDisabled("submit"))) }
            if let error = Self.checkSpec(s.request.modelSpec) { return completion(.failure(error)) }
            jobService.submit(s, deadline: deadline) { completion($0.map { .submit($0) }) }
        case .getJob(let g):
            guard let jobService else { return completion(.failure(Self.jobsDisabled("get_job"))) }
            jobService.getJob(g, deadline: deadline) { completion($0.map { .getJob($0) }) }
        case .predict(let p):
            guard let fanOut, fanOut.serves(model: p.modelSpec.name) else {
                return predictBatched(p, deadline: deadline, noCache: request.noCache) { completion($0.map { .predict($0) }) }
            }
            let cacheSlot = fanOutCacheSlot(p)
            if let cacheSlot, !request.noCache, let hit = fanOutCacheLookup(p, cacheSlot) {
                return completion(.success(.predict(hit)))
            }
            if let deadline, deadline <= .now {
                return completion(.failure(WireError(.deadlineExceeded,
                    "predict on '\(p.modelSpec.name)': the request's deadline passed before it could run")))
            }
            fanOut.predict(p, deadline: deadline) { [self] result in
                if let cacheSlot, case .success(let answer) = result { fanOutCacheStore(p, cacheSlot, answer) }
                completion(result.map { .predict($0) })
            }
        case .getModelMetadata(let g):
            guard let fanOut else { return completion(.failure(WireError(.internal, "no fan-out service for '\(g.modelSpec.name)'"))) }
            fanOut.metadata(g, deadline: deadline) { completion($0.map { .getModelMetadata($0) }) }
        case .loadModel(let m):
            controlRepository(m, completion: completion) { repository in
                .loadModel(GetModelStatusResponse(name: m.name, versions: try repository.load(name: m.name).map(Self.wireStatus)))
            }
        case .unloadModel(let m):
            controlRepository(m, completion: completion) { repository in
                .unloadModel(GetModelStatusResponse(name: m.name, versions: try repository.unload(name: m.name).map(Self.wireStatus)))
            }
        default:
            completion(.failure(WireError(.internal, "\(request.call.name) is not an asynchronous call")))
        }
    }

    static func jobsDisabled(_ call: String) -> WireError {
        WireError(.unimplemented, "\(call): asynchronous jobs are not enabled in this build; call predict instead")
    }
}
