import CSwerveProto
import ModelRuntime

// protobuf-c structs → wire values. protobuf-c has already checked the
// protobuf encoding itself; these check what it cannot: required
// sub-messages, enum numbers, and tensors (see ProtobufCodec+Tensor).

extension ProtobufCodec {
    static func request(_ m: UnsafePointer<Swerve__V1__Request>) throws(WireError) -> Request {
        let r = m.pointee
        let call: Request.Call
        switch r.call_case {
        case SWERVE__V1__REQUEST__CALL_PREDICT:
            call = .predict(try predictRequest(r.predict, field: "predict"))
        case SWERVE__V1__REQUEST__CALL_SUBMIT:
            let s = r.submit.pointee
            guard let inner = s.request else {
                throw .invalidArgument("submit.request is missing: a Submit carries the PredictRequest to queue")
            }
            call = .submit(SubmitRequest(request: try predictRequest(inner, field: "submit.request"),
                                         idempotencyKey: string(s.idempotency_key)))
        case SWERVE__V1__REQUEST__CALL_GET_JOB:
            call = .getJob(GetJobRequest(jobId: string(r.get_job.pointee.job_id)))
        case SWERVE__V1__REQUEST__CALL_GET_MODEL_STATUS:
            call = .getModelStatus(GetModelStatusRequest(modelSpec: modelSpec(r.get_model_status.pointee.model_spec)))
        case SWERVE__V1__REQUEST__CALL_GET_MODEL_METADATA:
            call = .getModelMetadata(GetModelMetadataRequest(modelSpec: modelSpec(r.get_model_metadata.pointee.model_spec)))
        case SWERVE__V1__REQUEST__CALL_LIST_MODELS:
            call = .listModels(ListModelsRequest())
        case SWERVE__V1__REQUEST__CALL_HEALTH:
            call = .health(HealthRequest())
        case SWERVE__V1__REQUEST__CALL_GET_MODEL_STATISTICS:
            call = .getModelStatistics(GetModelStatisticsRequest(modelSpec: modelSpec(r.get_model_statistics.pointee.model_spec)))
        case SWERVE__V1__REQUEST__CALL_LOAD_MODEL:
            call = .loadModel(ModelControlRequest(name: string(r.load_model.pointee.name)))
        case SWERVE__V1__REQUEST__CALL_UNLOAD_MODEL:
            call = .unloadModel(ModelControlRequest(name: string(r.unload_model.pointee.name)))
        default:
            // protobuf-c keeps a oneof field it does not know as an unknown
            // field; a length-delimited one is a newer client's call.
            if let tag = unknownMessageFieldTag(m.pointer(to: \.base)!) {
                throw WireError(.unimplemented, "unknown call field \(tag): this server does not implement it")
            }
            throw .invalidArgument("Request sets no call: set one of predict, submit, get_job, "
                + "get_model_status, get_model_metadata, list_models, health, get_model_statistics, load_model, unload_model")
        }
        // protobuf-c points an absent string at a shared empty one: no String for it.
        let token = r.auth_token.flatMap { $0.pointee == 0 ? nil : String(cString: $0) }
        return Request(id: r.id, call: call, timeoutMs: r.timeout_ms, noCache: r.no_cache != 0, authToken: token)
    }

    static func response(_ m: UnsafePointer<Swerve__V1__Response>) throws(WireError) -> Response {
        let r = m.pointee
        let result: Response.CallResult?
        switch r.result_case {
        case SWERVE__V1__RESPONSE__RESULT_PREDICT:
            result = .predict(try predictResponse(r.predict))
        case SWERVE__V1__RESPONSE__RESULT_SUBMIT:
            result = .submit(SubmitResponse(jobId: string(r.submit.pointee.job_id)))
        case SWERVE__V1__RESPONSE__RESULT_GET_JOB:
            result = .getJob(try getJobResponse(r.get_job))
        case SWERVE__V1__RESPONSE__RESULT_GET_MODEL_STATUS:
            result = .getModelStatus(modelStatus(r.get_model_status))
        case SWERVE__V1__RESPONSE__RESULT_LOAD_MODEL:
            result = .loadModel(modelStatus(r.load_model))
        case SWERVE__V1__RESPONSE__RESULT_UNLOAD_MODEL:
            result = .unloadModel(modelStatus(r.unload_model))
        case SWERVE__V1__RESPONSE__RESULT_GET_MODEL_METADATA:
            result = .getModelMetadata(getModelMetadataResponse(r.get_model_metadata))
        case SWERVE__V1__RESPONSE__RESULT_LIST_MODELS:
            let l = r.list_models.pointee
            var models: [ModelSummary] = []
            models.reserveCapacity(l.n_models)
            for i in 0..<l.n_models {
                let s = l.models[i]!.pointee
                models.append(ModelSummary(name: string(s.name), versions: versionStatuses(s.versions, s.n_versions)))
            }
            result = .listModels(ListModelsResponse(models: models))
        case SWERVE__V1__RESPONSE__RESULT_HEALTH:
            let h = r.health.pointee
            result = .health(HealthResponse(serving: h.serving != 0, version: string(h.version),
                                            modelsAvailable: h.models_available, modelsTotal: h.models_total))
        case SWERVE__V1__RESPONSE__RESULT_GET_MODEL_STATISTICS:
            result = .getModelStatistics(modelStatistics(r.get_model_statistics))
        default:
            // No result (a failed call), or one from a newer server: the
            // status still tells the client what happened.
            result = nil
        }
        return Response(id: r.id, status: status(r.status), result: result)
    }

    static func modelStatus(_ p: UnsafeMutablePointer<Swerve__V1__GetModelStatusResponse>) -> GetModelStatusResponse {
        let s = p.pointee
        return GetModelStatusResponse(name: string(s.name),
                                      versions: versionStatuses(s.model_version_status, s.n_model_version_status))
    }

    /// The tag of the first unknown length-delimited field, if any.
    private static func unknownMessageFieldTag(_ base: UnsafePointer<ProtobufCMessage>) -> UInt32? {
        let b = base.pointee
        guard b.n_unknown_fields > 0, let fields = b.unknown_fields else { return nil }
        // Wire type 2 is length-delimited (PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
        // the number, not the C constant, because protobuf-c.h's enum is owned
        // by whichever proto module Clang saw include it first.
        for i in 0..<Int(b.n_unknown_fields) where fields[i].wire_type.rawValue == 2 {
            return fields[i].tag
        }
        return nil
    }

    // MARK: Messages

    static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p, p.pointee != 0 else { return "" }
        return String(cString: p)
    }

    static func strings(_ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ n: Int) -> [String] {
        guard n > 0, let p else { return [] }
        return (0..<n).map { string(p[$0]) }
    }

    static func modelSpec(_ p: UnsafeMutablePointer<Swerve__V1__ModelSpec>?) -> ModelSpec {
        guard let s = p?.pointee else { return ModelSpec(name: "") }
        let label = string(s.version_label)
        return ModelSpec(name: string(s.name),
                         version: s.version_choice_case == SWERVE__V1__MODEL_SPEC__VERSION_CHOICE_VERSION ? s.version : nil,
                         versionLabel: label.isEmpty ? nil : label)
    }

    static func status(_ p: UnsafeMutablePointer<Swerve__V1__Status>?) -> Status {
        // An absent status is the proto3 default: OK.
        guard let s = p?.pointee else { return .ok }
        let code = StatusCode(rawValue: Int32(bitPattern: s.code.rawValue)) ?? .unknown
        return Status(code, string(s.message))
    }

    static func predictRequest(_ p: UnsafeMutablePointer<Swerve__V1__PredictRequest>,
                               field: String) throws(WireError) -> PredictRequest {
        let r = p.pointee
        var usedRaw = false
        var inputs: [NamedTensor] = []
        inputs.reserveCapacity(r.n_inputs)
        for i in 0..<r.n_inputs {
            let entry = r.inputs[i]!.pointee
            let name = string(entry.key)
            guard let value = entry.value else {
                throw .invalidArgument("\(field).inputs['\(name)'] has no tensor")
            }
            inputs.append(NamedTensor(name, try decodeTensor(value, name: name, usedRaw: &usedRaw)))
        }
        return PredictRequest(modelSpec: modelSpec(r.model_spec), inputs: inputs,
                              outputFilter: strings(r.output_filter, r.n_output_filter),
                              tensorEncoding: usedRaw ? .raw : .typed)
    }

    static func predictResponse(_ p: UnsafeMutablePointer<Swerve__V1__PredictResponse>) throws(WireError) -> PredictResponse {
        let r = p.pointee
        var usedRaw = false
        var outputs: [NamedTensor] = []
        outputs.reserveCapacity(r.n_outputs)
        for i in 0..<r.n_outputs {
            let entry = r.outputs[i]!.pointee
            let name = string(entry.key)
            guard let value = entry.value else {
                throw .invalidArgument("outputs['\(name)'] has no tensor")
            }
            outputs.append(NamedTensor(name, try decodeTensor(value, name: name, usedRaw: &usedRaw)))
        }
        return PredictResponse(modelSpec: modelSpec(r.model_spec), outputs: outputs,
                               tensorEncoding: usedRaw ? .raw : .typed)
    }

    static func getJobResponse(_ p: UnsafeMutablePointer<Swerve__V1__GetJobResponse>) throws(WireError) -> GetJobResponse {
        let j = p.pointee
        return GetJobResponse(
            jobId: string(j.job_id),
            state: JobState(rawValue: Int32(bitPattern: j.state.rawValue)) ?? .unspecified,
            result: try j.result.map { (r) throws(WireError) in try predictResponse(r) },
            error: j.error.map { status($0) },
            submittedAtMicros: j.submitted_at_us, startedAtMicros: j.started_at_us,
            finishedAtMicros: j.finished_at_us, attempts: j.attempts)
    }

    static func versionStatuses(_ p: UnsafeMutablePointer<UnsafeMutablePointer<Swerve__V1__ModelVersionStatus>?>?,
                                _ n: Int) -> [ModelVersionStatus] {
        guard n > 0, let p else { return [] }
        return (0..<n).map { i in
            let v = p[i]!.pointee
            return ModelVersionStatus(
                version: v.version,
                state: ModelVersionStatus.State(rawValue: Int32(bitPattern: v.state.rawValue)) ?? .unknown,
                status: status(v.status), labels: strings(v.labels, v.n_labels))
        }
    }

    static func tensorInfos(_ p: UnsafeMutablePointer<UnsafeMutablePointer<Swerve__V1__TensorInfo>?>?,
                            _ n: Int) -> [TensorInfo] {
        guard n > 0, let p else { return [] }
        return (0..<n).map { i in
            let t = p[i]!.pointee
            return TensorInfo(
                name: string(t.name),
                dtype: DataType(rawValue: Int32(bitPattern: t.dtype.rawValue)) ?? .invalid,
                shape: t.n_shape > 0 ? Array(UnsafeBufferPointer(start: t.shape, count: t.n_shape)) : [],
                kind: TensorInfo.Kind(rawValue: string(t.kind)) ?? .tensor,
                labelDtype: DataType(rawValue: Int32(bitPattern: t.label_dtype.rawValue)) ?? .invalid)
        }
    }

    static func getModelMetadataResponse(_ p: UnsafeMutablePointer<Swerve__V1__GetModelMetadataResponse>) -> GetModelMetadataResponse {
        let m = p.pointee
        var labels: [String: Int64] = [:]
        for i in 0..<m.n_version_labels {
            let e = m.version_labels[i]!.pointee
            labels[string(e.key)] = e.value
        }
        return GetModelMetadataResponse(
            modelSpec: modelSpec(m.model_spec),
            inputs: tensorInfos(m.inputs, m.n_inputs), outputs: tensorInfos(m.outputs, m.n_outputs),
            classLabels: strings(m.class_labels, m.n_class_labels),
            versions: m.n_versions > 0 ? Array(UnsafeBufferPointer(start: m.versions, count: m.n_versions)) : [],
            versionLabels: labels, producer: string(m.producer), maxBatchSize: m.max_batch_size,
            featureNames: strings(m.feature_names, m.n_feature_names),
            versionPolicy: versionPolicy(m.version_policy))
    }

    static func versionPolicy(_ p: UnsafeMutablePointer<Swerve__V1__VersionPolicy>?) -> ServedVersionPolicy {
        guard let m = p?.pointee else { return .latest(1) }
        if m.all != 0 { return .all }
        if m.n_specific > 0 { return .specific(Array(UnsafeBufferPointer(start: m.specific, count: m.n_specific))) }
        return .latest(max(1, Int(m.latest)))
    }

    static func modelStatistics(_ p: UnsafeMutablePointer<Swerve__V1__GetModelStatisticsResponse>) -> GetModelStatisticsResponse {
        let m = p.pointee
        func duration(_ d: UnsafeMutablePointer<Swerve__V1__StatisticDuration>?) -> StatisticDuration {
            guard let d else { return StatisticDuration() }
            return StatisticDuration(count: d.pointee.count, ns: d.pointee.ns)
        }
        var stats: [ModelVersionStatistics] = []
        stats.reserveCapacity(m.n_model_stats)
        for i in 0..<m.n_model_stats {
            let s = m.model_stats[i]!.pointee
            stats.append(ModelVersionStatistics(
                name: string(s.name), version: s.version, lastInferenceMs: s.last_inference_ms,
                inferenceCount: s.inference_count, executionCount: s.execution_count,
                success: duration(s.success), fail: duration(s.fail), queue: duration(s.queue),
                computeInfer: duration(s.compute_infer), cacheHit: duration(s.cache_hit)))
        }
        return GetModelStatisticsResponse(modelStats: stats)
    }
}
