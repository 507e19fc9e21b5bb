import ModelRuntime
import ModelServer
import Wire

extension Dispatcher {
    /// Runs one Predict: resolves the version, checks the request against the
    /// model, runs it while holding the version in service, and converts the
    /// outputs (a ZipMap output `X` becomes `X` and `X:labels`).
    func predict(_ request: PredictRequest, deadline: ContinuousClock.Instant?) -> Result<PredictResponse, WireError> {
        var timing = ModelStatisticsRecorder.Timing()
        let spec = request.modelSpec
        if let error = Self.checkSpec(spec) { return .failure(error) }

        let lease: ServableLease
        do {
            lease = try repository.acquire(name: spec.name, version: spec.version, label: spec.versionLabel)
        } catch {
            return .failure(.from(error))
        }
        defer { lease.release() }
        let servable = lease.servable
        defer { statistics.record(name: servable.name, version: servable.version, timing) }
        let model = servable.model

        // minimumCapacity: is specialised inline; reserveCapacity on an empty
        // dictionary is an unspecialised stdlib call (metadata lookups).
        var feeds = [String: Tensor](minimumCapacity: request.inputs.count)
        for input in request.inputs {
            feeds[input.name] = input.tensor  // a repeated name: the last wins, as in a protobuf map
        }
        if let error = checkInputs(feeds, of: servable) { return .failure(error) }

        let outputNames: [String]?
        switch selectOutputs(request.outputFilter, of: servable) {
        case .success(let names): outputNames = names
        case .failure(let error): return .failure(error)
        }

        if let deadline, ContinuousClock.now >= deadline {
            return .failure(WireError(.deadlineExceeded,
                "deadline exceeded before model '\(servable.name)' version \(servable.version) ran"))
        }

        var outputs: [NamedTensor] = []
        timing.ran = .now
        timing.rows = request.inputs.first?.tensor.shape.first ?? 1
        do {
            if let outputNames {
                let values = try model.run(feeds, outputs: outputNames)
                outputs.reserveCapacity(values.count + 1)
                for info in model.outputs where outputNames.contains(info.name) {
                    guard let value = values[info.name] else {
                        return .failure(WireError(.internal,
                            "model '\(servable.name)' version \(servable.version) returned no value for output '\(info.name)'"))
                    }
                    Self.append(value, named: info.name, to: &outputs)
                }
            } else {
                // Every output, in model order: no dictionary of outputs to
                // build and search by name.
                let values = try model.runAllOutputs(feeds)
                outputs.reserveCapacity(values.count + 1)
                for (info, value) in zip(model.outputs, values) {
                    Self.append(value, named: info.name, to: &outputs)
                }
            }
        } catch {
            return .failure(.from(error))
        }
        timing.finished = .now
        timing.succeeded = true
        return .success(PredictResponse(
            modelSpec: ModelSpec(name: servable.name, version: servable.version, versionLabel: spec.versionLabel),
            outputs: outputs, tensorEncoding: request.tensorEncoding))
    }

    /// Appends one model output as wire tensors: a ZipMap output `X` becomes
    /// `X` (the probabilities) and `X:labels`.
    private static func append(_ value: Value, named name: String, to outputs: inout [NamedTensor]) {
        switch value {
        case .tensor(let t):
            outputs.append(NamedTensor(name, t))
        case .zipMap(let labels, let probabilities):
            outputs.append(NamedTensor(name, probabilities))
            outputs.append(NamedTensor(name + NamedTensor.labelsSuffix, labels))
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
        return nil
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
