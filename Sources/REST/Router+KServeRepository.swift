import TextFormats
import ModelRuntime
import Wire

/// Triton's extensions of KServe V2 for tools that manage models:
/// statistics, model configuration and the repository index.
extension Router {
    /// `GET /v2/models[/{m}[/versions/{v}]]/stats`, in Triton's shape.
    func v2Statistics(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        call(.getModelStatistics(GetModelStatisticsRequest(modelSpec: spec)), context: request.context) { response in
            guard response.status.isOK, case .getModelStatistics(let g)? = response.result else {
                return respond(Self.failure(response.status), route: "v2_stats", model: spec.name, version: Self.label(spec))
            }
            var w = JSONWriter(capacity: 512)
            w.raw("{\"model_stats\":[")
            for (i, s) in g.modelStats.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.raw("{\"name\":")
                w.string(s.name)
                w.raw(",\"version\":")
                w.string(String(s.version))
                w.raw(",\"last_inference\":")
                w.int(Int64(clamping: s.lastInferenceMs))
                w.raw(",\"inference_count\":")
                w.int(Int64(clamping: s.inferenceCount))
                w.raw(",\"execution_count\":")
                w.int(Int64(clamping: s.executionCount))
                w.raw(",\"inference_stats\":{")
                // Tensor conversion happens in the fronts, so those durations
                // are zero, not guessed; a miss is an ordinary run (success).
                let none = StatisticDuration()
                for (j, (key, d)) in [("success", s.success), ("fail", s.fail), ("queue", s.queue),
                                      ("compute_input", none), ("compute_infer", s.computeInfer),
                                      ("compute_output", none), ("cache_hit", s.cacheHit), ("cache_miss", none)].enumerated() {
                    if j > 0 { w.byte(UInt8(ascii: ",")) }
                    w.key(key)
                    w.raw("{\"count\":")
                    w.int(Int64(clamping: d.count))
                    w.raw(",\"ns\":")
                    w.int(Int64(clamping: d.ns))
                    w.byte(UInt8(ascii: "}"))
                }
                w.raw("},\"batch_stats\":[]}")
            }
            w.raw("]}")
            respond(HTTPResponse(status: 200, body: w.bytes), route: "v2_stats", model: spec.name, version: Self.label(spec))
        }
    }

    /// `GET /v2/models/{m}/config`: Triton's model configuration, built
    /// from the model's metadata.
    func v2Config(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        call(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), context: request.context) { response in
            guard response.status.isOK, case .getModelMetadata(let m)? = response.result else {
                return respond(Self.failure(response.status), route: "v2_config", model: spec.name)
            }
            var w = JSONWriter(capacity: 512)
            w.raw("{\"name\":")
            w.string(m.modelSpec.name)
            w.raw(",\"platform\":\"onnxruntime_onnx\",\"backend\":\"onnxruntime\",\"version_policy\":")
            switch m.versionPolicy {
            case .latest(let n):
                w.raw("{\"latest\":{\"num_versions\":")
                w.int(n)
                w.raw("}}")
            case .all:
                w.raw("{\"all\":{}}")
            case .specific(let versions):
                w.raw("{\"specific\":{\"versions\":[")
                for (i, v) in versions.enumerated() {
                    if i > 0 { w.byte(UInt8(ascii: ",")) }
                    w.int(v)
                }
                w.raw("]}}")
            }
            // With a batch limit, Triton's dims leave out the batch dimension.
            let batched = m.maxBatchSize > 0
            w.raw(",\"max_batch_size\":")
            w.int(m.maxBatchSize)
            w.raw(",\"input\":")
            Self.writeConfigTensors(m.inputs, batched: batched, to: &w)
            w.raw(",\"output\":")
            Self.writeConfigTensors(m.outputs, batched: batched, to: &w)
            if !m.classLabels.isEmpty {
                w.raw(",\"parameters\":{\"labels\":{\"string_value\":")
                w.string(m.classLabels.joined(separator: ","))
                w.raw("}}")
            }
            w.byte(UInt8(ascii: "}"))
            respond(HTTPResponse(status: 200, body: w.bytes), route: "v2_config", model: spec.name)
        }
    }

    private static func writeConfigTensors(_ infos: [TensorInfo], batched: Bool, to w: inout JSONWriter) {
        w.byte(UInt8(ascii: "["))
        var first = true
        KServeV2.forEachTensor(infos) { name, type, shape in
            if !first { w.byte(UInt8(ascii: ",")) }
            first = false
            w.raw("{\"name\":")
            w.string(name)
            w.raw(",\"data_type\":")
            w.string("TYPE_" + (type.elementType.map(configTypeName) ?? "STRING"))
            w.raw(",\"dims\":[")
            for (j, d) in (batched ? shape.dropFirst() : shape[...]).enumerated() {
                if j > 0 { w.byte(UInt8(ascii: ",")) }
                w.int(d)
            }
            w.raw("]}")
        }
        w.byte(UInt8(ascii: "]"))
    }

    private static func configTypeName(_ type: ElementType) -> String {
        type == .string ? "STRING" : KServeV2.dataTypeName(type)
    }

    /// `POST /v2/repository/index` (body optional: `{"ready": true}` lists
    /// only versions that serve): every model version and its state.
    func v2RepositoryIndex(_ request: HTTPRequest, _ respond: TimedRespond) {
        var readyOnly = false
        if !request.body.isEmpty {
            switch parseBody(request) {
            case .failure(let r): return respond(r, route: "v2_repository_index")
            case .success(let body):
                guard body.isObject else {
                    return respond(.error(400, "the body must be an object such as {\"ready\": true}, got \(body.kindName)"), route: "v2_repository_index")
                }
                if let ready = body["ready"] {
                    guard case .bool(let b) = ready else {
                        return respond(.error(400, "'ready' must be true or false, got \(ready.kindName)"), route: "v2_repository_index")
                    }
                    readyOnly = b
                }
            }
        }
        call(.listModels(ListModelsRequest()), context: request.context) { [readyOnly] response in
            guard case .listModels(let list)? = response.result else {
                return respond(Self.failure(response.status), route: "v2_repository_index")
            }
            var w = JSONWriter(capacity: 256)
            w.byte(UInt8(ascii: "["))
            var first = true
            for model in list.models {
                if model.versions.isEmpty && !readyOnly {
                    // Never loaded (repository control explicit): Triton lists the name alone.
                    if !first { w.byte(UInt8(ascii: ",")) }
                    first = false
                    w.raw("{\"name\":")
                    w.string(model.name)
                    w.byte(UInt8(ascii: "}"))
                }
                for v in model.versions where !readyOnly || v.state == .available {
                    if !first { w.byte(UInt8(ascii: ",")) }
                    first = false
                    w.raw("{\"name\":")
                    w.string(model.name)
                    w.raw(",\"version\":")
                    w.string(String(v.version))
                    w.raw(",\"state\":")
                    w.string(KServeV2.tritonState(v.state))
                    w.raw(",\"reason\":")
                    w.string(v.status.message)
                    w.byte(UInt8(ascii: "}"))
                }
            }
            w.byte(UInt8(ascii: "]"))
            respond(HTTPResponse(status: 200, body: w.bytes), route: "v2_repository_index")
        }
    }

    /// `POST /v2/repository/models/{m}/load|unload`, through the model
    /// manager (refused in poll mode). The body is optional; Triton's
    /// config and file overrides are not supported, `unload_dependents` is
    /// accepted (swerve models have no dependents). Answers 200 with an
    /// empty body once the model serves (load) or left service (unload).
    func v2RepositoryControl(_ model: String, load: Bool, _ request: HTTPRequest, _ respond: TimedRespond) {
        let route = load ? "v2_repository_load" : "v2_repository_unload"
        if !request.body.isEmpty {
            switch parseBody(request) {
            case .failure(let r): return respond(r, route: route, model: model)
            case .success(let body):
                guard body.isObject else {
                    return respond(.error(400, "the body must be an object such as {\"parameters\": {}}, got \(body.kindName)"),
                                   route: route, model: model)
                }
                if let parameters = body["parameters"] {
                    guard let members = parameters.objectMembers else {
                        return respond(.error(400, "'parameters' must be an object, got \(parameters.kindName)"), route: route, model: model)
                    }
                    if let (key, _) = members.first(where: { $0.0 != "unload_dependents" }) {
                        return respond(.error(400, "load parameter '\(key.prefix(60))' is not supported: swerve loads the "
                            + "model's files and config.json from its repository as they are"), route: route, model: model)
                    }
                }
            }
        }
        let control = ModelControlRequest(name: model)
        call(load ? .loadModel(control) : .unloadModel(control), context: request.context) { response in
            guard response.status.isOK else {
                // Triton answers a refused or failed load with 400.
                let code = response.status.code == .failedPrecondition ? 400 : HTTPStatus.code(for: response.status.code)
                return respond(Self.failure(response.status, code: code), route: route, model: model)
            }
            respond(HTTPResponse(status: 200, body: []), route: route, model: model)
        }
    }

}
