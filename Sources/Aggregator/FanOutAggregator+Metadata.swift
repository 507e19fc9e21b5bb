import Primitives
import Wire

extension FanOutAggregator {
    /// Describes a fan-out model: its inputs are its members' (the first
    /// member that answers), its outputs those its aggregation produces.
    /// Asks every member for its metadata at once (bounded like Predict), so
    /// clients such as `swerve predict` or the REST adapter can fill in the
    /// input name and type for a fan-out model as for any other.
    public func metadata(_ request: GetModelMetadataRequest, deadline: ContinuousClock.Instant?,
                         completion: @escaping @Sendable (Result<GetModelMetadataResponse, WireError>) -> Void) {
        let name = request.modelSpec.name
        let config: FanOutConfig
        switch lookup(name) {
        case nil: return completion(.failure(WireError(.notFound, "no fan-out model '\(name)'")))
        case .failure(let error)?: return completion(.failure(WireError(.failedPrecondition, "\(error); fix its config.json")))
        case .success(let c)?: config = c
        }
        if request.modelSpec.version != nil || request.modelSpec.versionLabel != nil {
            return completion(.failure(.invalidArgument("fan-out model '\(name)' has no versions; "
                + "leave model_spec.version and version_label unset")))
        }
        let results = Locked<(answers: [Result<GetModelMetadataResponse, MemberCallError>?], remaining: Int)>(
            (Array(repeating: nil, count: config.members.count), config.members.count))
        let finish: @Sendable (Int, Result<GetModelMetadataResponse, MemberCallError>) -> Void = { index, result in
            let all = results.withLock { r -> [Result<GetModelMetadataResponse, MemberCallError>]? in
                guard r.answers[index] == nil else { return nil }
                r.answers[index] = result
                r.remaining -= 1
                return r.remaining == 0 ? r.answers.map { $0! } : nil
            }
            if let all { completion(Self.describe(name, config, all)) }
        }
        let now = ContinuousClock.now
        for (i, member) in config.members.enumerated() {
            var due = now.advanced(by: member.timeout)
            if let deadline, deadline < due { due = deadline }
            let budget = now.duration(to: due)
            let memberRequest = GetModelMetadataRequest(modelSpec: ModelSpec(name: member.model, version: member.version))
            if member.endpoint == nil {
                localMetadata(memberRequest, due) { result in
                    finish(i, result.mapError { .status($0.status) })
                }
            } else if let pool = pool(for: member, in: config) {
                pool.call(.getModelMetadata(memberRequest), timeout: budget) { result in
                    finish(i, result.flatMap { answer in
                        if case .getModelMetadata(let m) = answer { return .success(m) }
                        return .failure(.protocolViolation("answered get_model_metadata with another result"))
                    })
                }
            } else {
                finish(i, .failure(.unreachable("no connection pool for \(member.endpoint!) yet")))
            }
        }
    }

    static func describe(_ model: String, _ config: FanOutConfig,
                         _ results: [Result<GetModelMetadataResponse, MemberCallError>]) -> Result<GetModelMetadataResponse, WireError> {
        var members: [(FanOutConfig.Member, GetModelMetadataResponse)] = []
        var failures: [String] = []
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let m): members.append((config.members[i], m))
            case .failure(let e): failures.append("\(config.members[i].name) (\(e))")
            }
        }
        guard let first = members.first, failures.isEmpty || config.failure == .bestEffort else {
            return .failure(WireError(.unavailable, "fan-out model '\(model)': cannot describe it, member(s) failed: "
                + failures.joined(separator: ", ")))
        }
        let rows: Int64 = -1
        var outputs: [TensorInfo] = []
        switch config.aggregate {
        case .collect:
            for (member, m) in members {
                for o in m.outputs {
                    outputs.append(TensorInfo(name: member.name + "/" + o.name, dtype: o.dtype, shape: o.shape,
                                              kind: o.kind, labelDtype: o.labelDtype))
                }
            }
        case .bestLabel:
            outputs.append(TensorInfo(name: "label", dtype: .string, shape: [rows]))
            outputs.append(TensorInfo(name: "probability", dtype: .float, shape: [rows]))
            for (member, _) in members {
                outputs.append(TensorInfo(name: member.name + "/probability", dtype: .float, shape: [rows]))
            }
        case .mean:
            let p = first.1.outputs.first { o in config.probabilityOutput.map { o.name == $0 } ?? (o.kind == .zipMap) }
                ?? first.1.outputs.first { $0.dtype == .float || $0.dtype == .double }
            if let p {
                if p.kind == .zipMap { outputs.append(TensorInfo(name: "label", dtype: p.labelDtype, shape: [rows])) }
                outputs.append(TensorInfo(name: p.name, dtype: .float, shape: p.shape, kind: p.kind, labelDtype: p.labelDtype))
            }
        case .vote:
            let label = first.1.outputs.first { $0.name == config.labelOutput }
            outputs.append(TensorInfo(name: "label", dtype: label?.dtype ?? .string, shape: [rows]))
            outputs.append(TensorInfo(name: "votes", dtype: .int64, shape: [rows]))
        }
        if config.failure == .bestEffort {
            outputs.append(TensorInfo(name: FanOutAggregation.errorsOutput, dtype: .string, shape: [-1]))
        }
        let labels = config.aggregate == .bestLabel ? config.members.map(\.label) : []
        let summary = "swerve fan-out (\(config.aggregate.rawValue), \(config.failure.rawValue)) over "
            + config.members.map(\.name).joined(separator: ", ")
        return .success(GetModelMetadataResponse(modelSpec: ModelSpec(name: model), inputs: first.1.inputs,
                                                 outputs: outputs, classLabels: labels, producer: summary))
    }
}
