import Auth
import Logging
import ModelServer
import Wire

/// Answers decoded calls: routes each `Request` to the model repository (and,
/// when configured, the job service) and builds its `Response`.
///
/// Lifecycle: create one per server once the repository has started; it holds
/// no per-call state. Thread-safety: every method may be called from any
/// number of threads at once (the repository and models are thread-safe;
/// the dispatcher itself is immutable).
///
/// Errors never escape: every failure becomes a non-OK status with a
/// message naming the model, version, tensor or output concerned.
public final class Dispatcher: Sendable {
    public let repository: ModelRepository
    /// Runs Submit and GetJob; nil answers them UNIMPLEMENTED.
    public let jobService: (any JobService)?
    /// Runs Predict on fan-out models; nil leaves them unservable.
    public let fanOut: (any FanOutService)?
    /// Answers repeated Predict calls of cached models; nil caches nothing.
    public let cache: PredictionCache?
    /// Merges Predict calls of batching models into one model run; nil runs each call alone.
    public let batcher: AdaptiveBatcher?
    /// Checks tokens and rate limits of calls from the binary port; nil admits every call.
    public let gate: AccessGate?
    /// Reported by Health.
    public let serverVersion: String
    let logger: Logger
    /// Per-version Predict counters (GetModelStatistics).
    public let statistics = ModelStatisticsRecorder()

    /// - Parameters:
    ///   - repository: a started repository.
    ///   - serverVersion: the version string Health reports, e.g. "0.1.0".
    ///   - logger: gets one debug line per call (the access log).
    ///   - jobService: enables Submit/GetJob; nil answers them UNIMPLEMENTED.
    ///   - fanOut: runs Predict on fan-out models.
    ///   - cache: the prediction cache (models with `"cache"` in config.json, or its default).
    ///   - batcher: batches models with `"batching"` in config.json.
    ///   - gate: tokens and rate limits for calls that arrive as frames (`handleFrameInline`).
    public init(repository: ModelRepository, serverVersion: String, logger: Logger,
                jobService: (any JobService)? = nil, fanOut: (any FanOutService)? = nil,
                cache: PredictionCache? = nil, batcher: AdaptiveBatcher? = nil, gate: AccessGate? = nil) {
        self.gate = gate
        self.repository = repository
        self.serverVersion = serverVersion
        self.logger = logger
        self.jobService = jobService
        self.fanOut = fanOut
        self.cache = cache
        self.batcher = batcher
    }

    /// Handles one call and passes its response to `completion`: inline on
    /// the calling thread for calls answered in-process (Predict on a local
    /// model, status, metadata, list, health), later and on another thread
    /// for calls that wait on something else (a job queue, fan-out members).
    ///
    /// `completion` runs exactly once.
    public func handle(_ request: Request, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Response) -> Void) {
        if let response = handleInline(request, deadline: deadline) {
            completion(response)
            return
        }
        let start: ContinuousClock.Instant? = logger.logLevel <= .debug ? .now : nil
        let id = request.id
        let logged: @Sendable (Response) -> Void = { [self] response in
            if let start { logAccess(request, response, elapsed: start.duration(to: .now)) }
            completion(response)
        }
        routeAsynchronously(request, deadline: deadline) { result in
            switch result {
            case .success(let r): logged(.success(id: id, r))
            case .failure(let e): logged(.failure(id: id, e))
            }
        }
    }

    /// Handles `request` on the calling thread and returns its response, or
    /// returns nil when the call completes asynchronously (then use
    /// `handle(_:deadline:completion:)`). The binary server's fast path: no
    /// closure, no hop between threads.
    public func handleInline(_ request: Request, deadline: ContinuousClock.Instant?) -> Response? {
        guard !isAsynchronous(request.call) else { return nil }
        // Only read the clock and build the log line when someone will see it.
        let start: ContinuousClock.Instant? = logger.logLevel <= .debug ? .now : nil
        let response = route(request, deadline: deadline)
        if let start {
            logAccess(request, response, elapsed: start.duration(to: .now))
        }
        return response
    }

    /// Handles one call and waits for its response. For tests and callers
    /// that own their thread; never call it on an event-loop thread, since an
    /// asynchronous call may need that loop to complete.
    public func handle(_ request: Request, deadline: ContinuousClock.Instant?) -> Response {
        if let response = handleInline(request, deadline: deadline) { return response }
        let box = ResponseBox()
        handle(request, deadline: deadline) { box.fulfil($0) }
        return box.wait()
    }

    /// A decoded frame: answered on the calling thread, or a call that
    /// completes asynchronously (pass it to `handle(_:deadline:completion:)`).
    enum FrameOutcome {
        case answered(Response)
        case asynchronous(Request, deadline: ContinuousClock.Instant?)
    }

    /// Decodes one frame's payload and answers it inline when it can; the
    /// frame handler encodes the answer itself (straight into the
    /// connection's output buffer) or runs the asynchronous call. A payload
    /// that does not decode is answered with the decode error
    /// (INVALID_ARGUMENT, or UNIMPLEMENTED for an unknown call) under the
    /// request's id when the envelope parsed, else id 0.
    ///
    /// - Parameters:
    ///   - receivedAt: when the frame arrived; `timeoutMs` counts from here.
    ///   - peer: the remote host, read only for a refusal or a per-host rate limit.
    func handleFrameInline(_ payload: UnsafeRawBufferPointer, receivedAt: ContinuousClock.Instant,
                           peer: () -> String = { "" }) -> FrameOutcome {
        var id: UInt64 = 0
        switch ProtobufCodec.decodeRequest(payload, id: &id) {
        case .success(let request):
            if let gate, let refusal = gate.admit(request, peer: peer()) {
                return .answered(.failure(id: id, refusal))
            }
            let deadline = request.deadline(receivedAt: receivedAt)
            if let response = handleInline(request, deadline: deadline) {
                return .answered(response)
            }
            return .asynchronous(request, deadline: deadline)
        case .failure(let error):
            if logger.logLevel <= .debug {
                logger.debug("call=undecodable id=\(id) bytes=\(payload.count) code=\(error.code) message=\(error.message)")
            }
            return .answered(.failure(id: id, error))
        }
    }

    // MARK: Routing

    private func route(_ request: Request, deadline: ContinuousClock.Instant?) -> Response {
        let id = request.id
        let result: Result<Response.CallResult, WireError>
        switch request.call {
        case .predict(let p):
            result = predict(p, deadline: deadline, noCache: request.noCache).map { .predict($0) }
        case .submit, .getJob:
            // With a job service these go through routeAsynchronously.
            result = .failure(Self.jobsDisabled(request.call.name))
        case .getModelStatus(let g):
            result = modelStatus(g).map { .getModelStatus($0) }
        case .getModelMetadata(let g):
            result = modelMetadata(g).map { .getModelMetadata($0) }
        case .listModels:
            result = .success(.listModels(listModels()))
        case .health:
            result = .success(.health(health()))
        case .getModelStatistics(let g):
            result = modelStatistics(g).map { .getModelStatistics($0) }
        case .loadModel, .unloadModel:
            // They load and drain off the loop: routeAsynchronously.
            result = .failure(WireError(.internal, "\(request.call.name) is an asynchronous call"))
        }
        switch result {
        case .success(let r): return .success(id: id, r)
        case .failure(let e): return .failure(id: id, e)
        }
    }

    private func logAccess(_ request: Request, _ response: Response, elapsed: Duration) {
        var model = ""
        switch request.call {
        case .predict(let p): model = " model=\(p.modelSpec.name)"
        case .submit(let s): model = " model=\(s.request.modelSpec.name)"
        case .getModelStatus(let g): model = " model=\(g.modelSpec.name)"
        case .getModelMetadata(let g): model = " model=\(g.modelSpec.name)"
        case .getModelStatistics(let g): model = " model=\(g.modelSpec.name)"
        case .loadModel(let m), .unloadModel(let m): model = " model=\(m.name)"
        case .getJob, .listModels, .health: break
        }
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        logger.debug("call=\(request.call.name) id=\(request.id)\(model) code=\(response.status.code) micros=\(micros)")
    }
}
