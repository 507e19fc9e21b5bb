import Primitives
import Aggregator
import Wire

/// Plugs the aggregator into the dispatcher: Predict on a fan-out model goes
/// to `aggregator`, and the aggregator's in-process members come back to the
/// dispatcher (so a member may itself be a fan-out model).
///
/// The dispatcher and the adapter refer to each other, so the dispatcher is
/// attached after both exist (`attach(_:)`), before the server takes calls.
/// Thread-safety: every method may be called from any thread.
public final class FanOutAdapter: FanOutService {
    /// The engine; REST health pages call `aggregator.memberHealth()`.
    public let aggregator: FanOutAggregator

    init(aggregator: FanOutAggregator) {
        self.aggregator = aggregator
    }

    public func serves(model: String) -> Bool { aggregator.serves(model: model) }

    public func predict(_ request: PredictRequest, deadline: ContinuousClock.Instant?,
                        completion: @escaping @Sendable (Result<PredictResponse, WireError>) -> Void) {
        aggregator.predict(request, deadline: deadline, completion: completion)
    }

    public func metadata(_ request: GetModelMetadataRequest, deadline: ContinuousClock.Instant?,
                         completion: @escaping @Sendable (Result<GetModelMetadataResponse, WireError>) -> Void) {
        aggregator.metadata(request, deadline: deadline, completion: completion)
    }

    public func cacheMembers(model: String) -> [FanOutCacheMember]? {
        guard case .success(let config)? = aggregator.config(model: model) else { return nil }
        return config.members.map { FanOutCacheMember(model: $0.model, version: $0.version, isRemote: $0.endpoint != nil) }
    }
}

/// The dispatcher, set once it exists; what in-process fan-out members call.
///
/// Weak: the dispatcher owns the adapter, whose aggregator owns this
/// reference, so a strong one would close a cycle that keeps the whole server
/// (repository, models, job results) alive after its owner let it go.
final class DispatcherReference: Sendable {
    private struct WeakDispatcher {
        weak var dispatcher: Dispatcher?
    }

    private let value = Locked(WeakDispatcher())

    func attach(_ dispatcher: Dispatcher) { value.withLock { $0.dispatcher = dispatcher } }

    /// The dispatcher while it exists.
    private var dispatcher: Dispatcher? { value.withLock { $0.dispatcher } }

    /// Runs Predict on a model of this process, completing exactly once.
    func predict(_ request: PredictRequest, deadline: ContinuousClock.Instant?,
                 completion: @escaping @Sendable (Result<PredictResponse, WireError>) -> Void) {
        guard let dispatcher else {
            return completion(.failure(WireError(.unavailable, "the server is starting or has stopped")))
        }
        dispatcher.handle(Request(id: 0, call: .predict(request)), deadline: deadline) { response in
            if case .predict(let p)? = response.result, response.status.isOK {
                completion(.success(p))
            } else if !response.status.isOK {
                completion(.failure(WireError(response.status.code, response.status.message)))
            } else {
                completion(.failure(WireError(.internal, "predict answered with another result")))
            }
        }
    }

    /// Runs GetModelMetadata on a model of this process, completing exactly once.
    func metadata(_ request: GetModelMetadataRequest, deadline: ContinuousClock.Instant?,
                  completion: @escaping @Sendable (Result<GetModelMetadataResponse, WireError>) -> Void) {
        guard let dispatcher else {
            return completion(.failure(WireError(.unavailable, "the server is starting or has stopped")))
        }
        dispatcher.handle(Request(id: 0, call: .getModelMetadata(request)), deadline: deadline) { response in
            if case .getModelMetadata(let m)? = response.result, response.status.isOK {
                completion(.success(m))
            } else if !response.status.isOK {
                completion(.failure(WireError(response.status.code, response.status.message)))
            } else {
                completion(.failure(WireError(.internal, "get_model_metadata answered with another result")))
            }
        }
    }
}
