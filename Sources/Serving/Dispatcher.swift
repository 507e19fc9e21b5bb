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
    /// Reported by Health.
    public let serverVersion: String
    let logger: Logger

    /// - Parameters:
    ///   - repository: a started repository.
    ///   - serverVersion: the version string Health reports, e.g. "0.1.0".
    ///   - logger: gets one debug line per call (the access log).
    ///   - jobService: enables Submit/GetJob; nil in builds without a job queue.
    public init(repository: ModelRepository, serverVersion: String, logger: Logger,
                jobService: (any JobService)? = nil) {
        self.repository = repository
        self.serverVersion = serverVersion
        self.logger = logger
        self.jobService = jobService
    }

    /// Handles one call synchronously on the calling thread.
    ///
    /// - Parameter deadline: when the caller stops waiting (from the request's
    ///   `timeoutMs` and its arrival time); nil for none. A Predict whose
    ///   deadline passed before the model runs answers DEADLINE_EXCEEDED.
    public func handle(_ request: Request, deadline: ContinuousClock.Instant?) -> Response {
        // Only read the clock and build the log line when someone will see it.
        let start: ContinuousClock.Instant? = logger.logLevel <= .debug ? .now : nil
        let response = route(request, deadline: deadline)
        if let start {
            logAccess(request, response, elapsed: start.duration(to: .now))
        }
        return response
    }

    /// Handles one call and passes its response to `completion`.
    ///
    /// Every call completes inline on the calling thread in this build. This
    /// is the entry point for calls that will become asynchronous (a job
    /// queue on Redis, fan-out to member servers): they will complete later,
    /// on another thread, without changing callers of this method.
    public func handle(_ request: Request, deadline: ContinuousClock.Instant?,
                       completion: @escaping @Sendable (Response) -> Void) {
        completion(handle(request, deadline: deadline))
    }

    /// Decodes one frame's payload, handles it, and appends the encoded
    /// response payload (no frame header) to `output`.
    ///
    /// A payload that does not decode is answered with the decode error
    /// (INVALID_ARGUMENT, or UNIMPLEMENTED for an unknown call) under the
    /// request's id when the envelope parsed, else id 0.
    ///
    /// - Parameter receivedAt: when the frame arrived; `timeoutMs` counts from here.
    public func handleFrame(_ payload: UnsafeRawBufferPointer, receivedAt: ContinuousClock.Instant = .now,
                            into output: inout [UInt8]) {
        var id: UInt64 = 0
        let response: Response
        switch ProtobufCodec.decodeRequest(payload, id: &id) {
        case .success(let request):
            response = handle(request, deadline: request.deadline(receivedAt: receivedAt))
        case .failure(let error):
            if logger.logLevel <= .debug {
                logger.debug("call=undecodable id=\(id) bytes=\(payload.count) code=\(error.code) message=\(error.message)")
            }
            response = .failure(id: id, error)
        }
        ProtobufCodec.encode(response, into: &output)
    }

    // MARK: Routing

    private func route(_ request: Request, deadline: ContinuousClock.Instant?) -> Response {
        let id = request.id
        let result: Result<Response.CallResult, WireError>
        switch request.call {
        case .predict(let p):
            result = predict(p, deadline: deadline).map { .predict($0) }
        case .submit(let s):
            result = submit(s, deadline: deadline).map { .submit($0) }
        case .getJob(let g):
            result = getJob(g).map { .getJob($0) }
        case .getModelStatus(let g):
            result = modelStatus(g).map { .getModelStatus($0) }
        case .getModelMetadata(let g):
            result = modelMetadata(g).map { .getModelMetadata($0) }
        case .listModels:
            result = .success(.listModels(listModels()))
        case .health:
            result = .success(.health(health()))
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
        case .getJob, .listModels, .health: break
        }
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        logger.debug("call=\(request.call.name) id=\(request.id)\(model) code=\(response.status.code) micros=\(micros)")
    }
}
