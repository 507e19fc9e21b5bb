import ModelRuntime
import ModelServer
import Primitives
import Wire

extension Dispatcher {
    /// A Predict call checked and ready to run: its version leased (release
    /// it when done), its feeds and outputs resolved, its cache slot if cached.
    struct PreparedPredict {
        var lease: ServableLease
        var feeds: [String: Tensor]
        var outputNames: [String]?
        var cacheSlot: CacheSlot?
        var versionLabel: String?
        var tensorEncoding: TensorEncoding
        /// For the version's statistics: arrival, rows, and later the run.
        var timing: ModelStatisticsRecorder.Timing
        var servable: ServableVersion { lease.servable }
    }

    /// Runs one Predict: resolves the version, checks the request against the
    /// model, runs it while holding the version in service, and converts the
    /// outputs (a ZipMap output `X` becomes `X` and `X:labels`). A cached
    /// version answers a repeated call from the cache (unless `noCache`).
    func predict(_ request: PredictRequest, deadline: ContinuousClock.Instant?,
                 noCache: Bool = false) -> Result<PredictResponse, WireError> {
        let call: PreparedPredict
        switch preparePredict(request, noCache: noCache, arrived: MonotonicClock.nanoseconds()) {
        case .failure(let error): return .failure(error)
        case .success(.answered(let answer)): return .success(answer)
        case .success(.ready(let prepared)): call = prepared
        }
        defer { call.lease.release() }
        if let batcher, call.servable.config.batching != nil {
            // Later calls take the asynchronous path, where they can batch.
            batcher.note(model: call.servable.name, batching: true)
        }
        return runPrepared(call, deadline: deadline)
    }

    /// A Predict after its checks: answered from the cache, or ready to run.
    enum PredictStage {
        case answered(PredictResponse)
        case ready(PreparedPredict)
    }

    /// Everything before the model runs: the lease, the checks, and the cache.
    /// Calls that fail after their version is resolved, and cache hits,
    /// count in the version's statistics here.
    func preparePredict(_ request: PredictRequest, noCache: Bool,
                        arrived: UInt64) -> Result<PredictStage, WireError> {
        let spec = request.modelSpec
        if let error = Self.checkSpec(spec) { return .failure(error) }

        let lease: ServableLease
        do {
            lease = try repository.acquire(name: spec.name, version: spec.version, label: spec.versionLabel)
        } catch {
            return .failure(.from(error))
        }
        let servable = lease.servable

        // minimumCapacity: is specialised inline; reserveCapacity on an empty
        // dictionary is an unspecialised stdlib call (metadata lookups).
        var feeds = [String: Tensor](minimumCapacity: request.inputs.count)
        for input in request.inputs {
            feeds[input.name] = input.tensor  // a repeated name: the last wins, as in a protobuf map
        }
        var timing = ModelStatisticsRecorder.Timing(arrived: arrived)
        timing.rows = request.inputs.first?.tensor.shape.first ?? 1
        if let error = checkInputs(feeds, of: servable) {
            statistics.record(name: servable.name, version: servable.version, timing)
            lease.release()
            return .failure(error)
        }

        let outputNames: [String]?
        switch selectOutputs(request.outputFilter, of: servable) {
        case .success(let names): outputNames = names
        case .failure(let error):
            statistics.record(name: servable.name, version: servable.version, timing)
            lease.release()
            return .failure(error)
        }

        let (hit, cacheSlot) = cacheLookup(servable, feeds: feeds, outputNames: outputNames, noCache: noCache)
        if let hit {
            timing.finished = MonotonicClock.nanoseconds()
            timing.succeeded = true
            timing.cacheHit = true
            statistics.record(name: servable.name, version: servable.version, timing)
            lease.release()
            return .success(.answered(PredictResponse(
                modelSpec: ModelSpec(name: servable.name, version: servable.version, versionLabel: spec.versionLabel),
                outputs: zip(hit.names, hit.tensors).map { NamedTensor($0, $1) }, tensorEncoding: request.tensorEncoding)))
        }
        return .success(.ready(PreparedPredict(lease: lease, feeds: feeds, outputNames: outputNames, cacheSlot: cacheSlot,
                                               versionLabel: spec.versionLabel, tensorEncoding: request.tensorEncoding,
                                               timing: timing)))
    }

    /// Runs a prepared call on the calling thread (the caller releases its lease).
    func runPrepared(_ call: PreparedPredict, deadline: ContinuousClock.Instant?) -> Result<PredictResponse, WireError> {
        let servable = call.servable
        if let deadline, ContinuousClock.now >= deadline {
            statistics.record(name: servable.name, version: servable.version, call.timing)
            return .failure(WireError(.deadlineExceeded,
                "deadline exceeded before model '\(servable.name)' version \(servable.version) ran"))
        }
        let ran = MonotonicClock.nanoseconds()
        return answer(call, Result { try Self.run(servable.model, call.feeds, call.outputNames) }, ran: ran)
    }

    /// Runs `model` once: its outputs (all, or the named ones) in model order
    /// as wire tensors.
    static func run(_ model: Model, _ feeds: [String: Tensor], _ outputNames: [String]?) throws -> [NamedTensor] {
        if outputNames != nil {
            return wireTensors(try AdaptiveBatcher.runModel(model, feeds, outputNames), of: model)
        }
        // Every output: converted as the run hands them over, with no
        // intermediate list.
        var outputs: [NamedTensor] = []
        outputs.reserveCapacity(model.outputs.count + 1)
        try model.run(feeds) { position, value in
            append(value, named: model.outputs[position].name, labelsName: model.labelsNames[position], to: &outputs)
        }
        return outputs
    }

    /// A run's outputs (model order) as wire tensors.
    static func wireTensors(_ values: AdaptiveBatcher.Outputs, of model: Model) -> [NamedTensor] {
        var outputs: [NamedTensor] = []
        outputs.reserveCapacity(values.count + 1)
        for (name, value) in values {
            let position = model.outputs.firstIndex { $0.name == name }
            append(value, named: name, labelsName: position.map { model.labelsNames[$0] } ?? name + Value.labelsSuffix,
                   to: &outputs)
        }
        return outputs
    }

    /// The response for a call's outputs (wire tensors, model order); stores
    /// it in the cache. Records the call in the version's statistics either way.
    func answer(_ call: PreparedPredict, _ result: Result<[NamedTensor], any Error>,
                ran: UInt64) -> Result<PredictResponse, WireError> {
        let servable = call.servable
        var timing = call.timing
        timing.ran = ran
        timing.finished = MonotonicClock.nanoseconds()
        defer { statistics.record(name: servable.name, version: servable.version, timing) }
        let outputs: [NamedTensor]
        switch result {
        case .success(let v): outputs = v
        case .failure(let error): return .failure(.from(error))
        }
        if let outputNames = call.outputNames,
           let missing = outputNames.first(where: { name in !outputs.contains { $0.name == name } }) {
            return .failure(WireError(.internal,
                "model '\(servable.name)' version \(servable.version) returned no value for output '\(missing)'"))
        }
        if let slot = call.cacheSlot { cacheStore(slot, outputs, servable: servable) }
        timing.succeeded = true
        return .success(PredictResponse(
            modelSpec: ModelSpec(name: servable.name, version: servable.version, versionLabel: call.versionLabel),
            outputs: outputs, tensorEncoding: call.tensorEncoding))
    }

    /// Appends one model output as wire tensors: a ZipMap output `X` becomes
    /// `X` (the probabilities) and `labelsName` (`X:labels`, the labels).
    static func append(_ value: Value, named name: String, labelsName: String, to outputs: inout [NamedTensor]) {
        switch value {
        case .tensor(let t):
            outputs.append(NamedTensor(name, t))
        case .zipMap(let labels, let probabilities):
            outputs.append(NamedTensor(name, probabilities))
            outputs.append(NamedTensor(labelsName, labels))
        }
    }

    /// A model spec must name a model and pick a version at most one way.
    static func checkSpec(_ spec: ModelSpec) -> WireError? {
        if spec.name.isEmpty {
            return .invalidArgument("model_spec.name is required")
        }
        if spec.version != nil, let label = spec.versionLabel {
            return .invalidArgument("model_spec sets both version \(spec.version!) and version_label '\(label)'; set one")
        }
        return nil
    }

    /// Input names against the model's, and the batch (first dimension of each
    /// input) against the model's max_batch_size. Element types and shapes
    /// are checked by the runtime, which knows the declared dimensions.
    private func checkInputs(_ feeds: [String: Tensor], of servable: ServableVersion) -> WireError? {
        let declared = servable.model.inputs
        for name in feeds.keys where !declared.contains(where: { $0.name == name }) {
            return .invalidArgument("model '\(servable.name)' version \(servable.version) has no input '\(name)'; "
                + "inputs: \(declared.map(\.name).joined(separator: ", "))")
        }
        for input in declared where feeds[input.name] == nil {
            return .invalidArgument("model '\(servable.name)' version \(servable.version) needs input '\(input.name)', "
                + "which the request does not set")
        }
        if let maxBatch = servable.config.maxBatchSize {
            for (_, tensor) in feeds {
                if let rows = tensor.shape.first, rows > maxBatch {
                    return .invalidArgument("batch of \(rows) rows exceeds max_batch_size \(maxBatch) "
                        + "of model '\(servable.name)'")
                }
            }
        }
        if !servable.config.acceptsMissingValues {
            for (name, tensor) in feeds {
                if let position = Self.firstNaN(in: tensor) {
                    return .invalidArgument("input '\(name)' holds NaN at \(position), and model '\(servable.name)' "
                        + "does not take missing values (its config.json would say \"accepts_missing_values\": true)")
                }
            }
        }
        return nil
    }

    /// Where the first NaN of a float or double tensor is, as `[row][column]…`.
    static func firstNaN(in tensor: Tensor) -> String? {
        let flat: Int?
        switch tensor.storage {
        case .float(let v): flat = v.firstIndex(where: \.isNaN)
        case .double(let v): flat = v.firstIndex(where: \.isNaN)
        default: flat = nil
        }
        guard var rest = flat else { return nil }
        var index: [Int] = []
        for d in tensor.shape.reversed() where d > 0 {
            index.append(rest % d)
            rest /= d
        }
        return index.isEmpty ? "element 0" : "[" + index.reversed().map(String.init).joined(separator: "][") + "]"
    }

    /// The outputs to compute: nil (all) for an empty filter, else the named
    /// ones, each of which must be a model output.
    private func selectOutputs(_ filter: [String], of servable: ServableVersion) -> Result<[String]?, WireError> {
        if filter.isEmpty { return .success(nil) }
        let outputs = servable.model.outputs
        var names: [String] = []
        for name in filter where !names.contains(name) {
            guard outputs.contains(where: { $0.name == name }) else {
                return .failure(.invalidArgument("unknown output '\(name)' in output_filter for model "
                    + "'\(servable.name)' version \(servable.version); outputs: "
                    + outputs.map(\.name).joined(separator: ", ")))
            }
            names.append(name)
        }
        return .success(names)
    }
}
