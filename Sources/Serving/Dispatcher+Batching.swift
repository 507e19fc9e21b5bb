import ModelServer
import Primitives
import Wire

extension Dispatcher {
    /// Predict on a model that batches: after the same checks and cache
    /// lookup as `predict`, the call joins its version's batch queue and
    /// `completion` runs on the batcher's thread once the batch ran (the
    /// caller's connection hands the answer back to its own loop). Calls
    /// that cannot batch, and models whose config no longer batches, run at
    /// once on the calling thread.
    func predictBatched(_ request: PredictRequest, deadline: ContinuousClock.Instant?, noCache: Bool,
                        completion: @escaping @Sendable (Result<PredictResponse, WireError>) -> Void) {
        let call: PreparedPredict
        switch preparePredict(request, noCache: noCache, arrived: MonotonicClock.nanoseconds()) {
        case .failure(let error): return completion(.failure(error))
        case .success(.answered(let answer)): return completion(.success(answer))
        case .success(.ready(let prepared)): call = prepared
        }
        let servable = call.servable
        guard let batcher, let settings = servable.config.batching else {
            batcher?.note(model: servable.name, batching: false)
            defer { call.lease.release() }
            return completion(runPrepared(call, deadline: deadline))
        }
        if let deadline, ContinuousClock.now >= deadline {
            statistics.record(name: servable.name, version: servable.version, call.timing)
            call.lease.release()
            return completion(.failure(WireError(.deadlineExceeded,
                "deadline exceeded before model '\(servable.name)' version \(servable.version) ran")))
        }
        do {
            let queued = try batcher.submit(call.lease, settings: settings, feeds: call.feeds, outputNames: call.outputNames,
                                            deadline: deadline) { [self] result, ran in
                completion(answer(call, result.map { Self.wireTensors($0, of: call.servable.model) }, ran: ran))
            }
            if queued { return }
        } catch {
            statistics.record(name: servable.name, version: servable.version, call.timing)
            call.lease.release()
            return completion(.failure(.from(error)))
        }
        defer { call.lease.release() }
        completion(runPrepared(call, deadline: deadline))
    }
}
