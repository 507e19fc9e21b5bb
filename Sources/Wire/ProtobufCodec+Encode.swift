import CSwerveProto
import ModelRuntime

// Wire values → protobuf-c structs in an arena, ready to pack. Every pointer
// stored in a struct points into the same arena, which outlives the pack.

extension ProtobufCodec {
    static func encodeRequest(_ request: Request, arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__Request> {
        let m = arena.message(Swerve__V1__Request.self, swerve__v1__request__init)
        m.pointee.id = request.id
        m.pointee.timeout_ms = request.timeoutMs
        m.pointee.no_cache = request.noCache ? 1 : 0
        if let token = request.authToken { m.pointee.auth_token = arena.cString(token) }
        switch request.call {
        case .predict(let p):
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_PREDICT
            m.pointee.predict = encodePredictRequest(p, arena: &arena)
        case .submit(let s):
            let c = arena.message(Swerve__V1__SubmitRequest.self, swerve__v1__submit_request__init)
            c.pointee.request = encodePredictRequest(s.request, arena: &arena)
            c.pointee.idempotency_key = arena.cString(s.idempotencyKey)
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_SUBMIT
            m.pointee.submit = c
        case .getJob(let g):
            let c = arena.message(Swerve__V1__GetJobRequest.self, swerve__v1__get_job_request__init)
            c.pointee.job_id = arena.cString(g.jobId)
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_GET_JOB
            m.pointee.get_job = c
        case .getModelStatus(let g):
            let c = arena.message(Swerve__V1__GetModelStatusRequest.self, swerve__v1__get_model_status_request__init)
            c.pointee.model_spec = encodeModelSpec(g.modelSpec, arena: &arena)
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_GET_MODEL_STATUS
            m.pointee.get_model_status = c
        case .getModelMetadata(let g):
            let c = arena.message(Swerve__V1__GetModelMetadataRequest.self, swerve__v1__get_model_metadata_request__init)
            c.pointee.model_spec = encodeModelSpec(g.modelSpec, arena: &arena)
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_GET_MODEL_METADATA
            m.pointee.get_model_metadata = c
        case .listModels:
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_LIST_MODELS
            m.pointee.list_models = arena.message(Swerve__V1__ListModelsRequest.self, swerve__v1__list_models_request__init)
        case .health:
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_HEALTH
            m.pointee.health = arena.message(Swerve__V1__HealthRequest.self, swerve__v1__health_request__init)
        case .getModelStatistics(let g):
            let c = arena.message(Swerve__V1__GetModelStatisticsRequest.self, swerve__v1__get_model_statistics_request__init)
            c.pointee.model_spec = encodeModelSpec(g.modelSpec, arena: &arena)
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_GET_MODEL_STATISTICS
            m.pointee.get_model_statistics = c
        case .loadModel(let l):
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_LOAD_MODEL
            m.pointee.load_model = encodeModelControl(l, arena: &arena)
        case .unloadModel(let u):
            m.pointee.call_case = SWERVE__V1__REQUEST__CALL_UNLOAD_MODEL
            m.pointee.unload_model = encodeModelControl(u, arena: &arena)
        }
        return m
    }

    static func encodeResponse(_ response: Response, arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__Response> {
        let m = arena.message(Swerve__V1__Response.self, swerve__v1__response__init)
        m.pointee.id = response.id
        m.pointee.status = encodeStatus(response.status, arena: &arena)
        switch response.result {
        case nil:
            break
        case .predict(let p)?:
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_PREDICT
            m.pointee.predict = encodePredictResponse(p, arena: &arena)
        case .submit(let s)?:
            let c = arena.message(Swerve__V1__SubmitResponse.self, swerve__v1__submit_response__init)
            c.pointee.job_id = arena.cString(s.jobId)
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_SUBMIT
            m.pointee.submit = c
        case .getJob(let g)?:
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_GET_JOB
            m.pointee.get_job = encodeGetJobResponse(g, arena: &arena)
        case .getModelStatus(let g)?:
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_GET_MODEL_STATUS
            m.pointee.get_model_status = encodeModelStatus(g, arena: &arena)
        case .loadModel(let g)?:
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_LOAD_MODEL
            m.pointee.load_model = encodeModelStatus(g, arena: &arena)
        case .unloadModel(let g)?:
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_UNLOAD_MODEL
            m.pointee.unload_model = encodeModelStatus(g, arena: &arena)
        case .getModelMetadata(let g)?:
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_GET_MODEL_METADATA
            m.pointee.get_model_metadata = encodeMetadata(g, arena: &arena)
        case .listModels(let l)?:
            let c = arena.message(Swerve__V1__ListModelsResponse.self, swerve__v1__list_models_response__init)
            let models = arena.allocate(UnsafeMutablePointer<Swerve__V1__ModelSummary>?.self, count: l.models.count)
            for (i, model) in l.models.enumerated() {
                let s = arena.message(Swerve__V1__ModelSummary.self, swerve__v1__model_summary__init)
                s.pointee.name = arena.cString(model.name)
                s.pointee.n_versions = model.versions.count
                s.pointee.versions = encodeVersionStatuses(model.versions, arena: &arena)
                (models + i).initialize(to: s)
            }
            c.pointee.n_models = l.models.count
            c.pointee.models = models
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_LIST_MODELS
            m.pointee.list_models = c
        case .health(let h)?:
            let c = arena.message(Swerve__V1__HealthResponse.self, swerve__v1__health_response__init)
            c.pointee.serving = h.serving ? 1 : 0
            c.pointee.version = arena.cString(h.version)
            c.pointee.models_available = h.modelsAvailable
            c.pointee.models_total = h.modelsTotal
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_HEALTH
            m.pointee.health = c
        case .getModelStatistics(let g)?:
            m.pointee.result_case = SWERVE__V1__RESPONSE__RESULT_GET_MODEL_STATISTICS
            m.pointee.get_model_statistics = encodeModelStatistics(g, arena: &arena)
        }
        return m
    }

    // MARK: Messages

    static func encodeModelControl(_ r: ModelControlRequest,
                                   arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__ModelControlRequest> {
        let c = arena.message(Swerve__V1__ModelControlRequest.self, swerve__v1__model_control_request__init)
        c.pointee.name = arena.cString(r.name)
        return c
    }

    static func encodeModelStatus(_ g: GetModelStatusResponse,
                                  arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__GetModelStatusResponse> {
        let c = arena.message(Swerve__V1__GetModelStatusResponse.self, swerve__v1__get_model_status_response__init)
        c.pointee.name = arena.cString(g.name)
        c.pointee.n_model_version_status = g.versions.count
        c.pointee.model_version_status = encodeVersionStatuses(g.versions, arena: &arena)
        return c
    }

    static func encodeModelStatistics(_ g: GetModelStatisticsResponse,
                                      arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__GetModelStatisticsResponse> {
        func duration(_ d: StatisticDuration) -> UnsafeMutablePointer<Swerve__V1__StatisticDuration> {
            let c = arena.message(Swerve__V1__StatisticDuration.self, swerve__v1__statistic_duration__init)
            c.pointee.count = d.count
            c.pointee.ns = d.ns
            return c
        }
        let c = arena.message(Swerve__V1__GetModelStatisticsResponse.self, swerve__v1__get_model_statistics_response__init)
        let entries = arena.allocate(UnsafeMutablePointer<Swerve__V1__ModelVersionStatistics>?.self, count: g.modelStats.count)
        for (i, s) in g.modelStats.enumerated() {
            let e = arena.message(Swerve__V1__ModelVersionStatistics.self, swerve__v1__model_version_statistics__init)
            e.pointee.name = arena.cString(s.name)
            e.pointee.version = s.version
            e.pointee.last_inference_ms = s.lastInferenceMs
            e.pointee.inference_count = s.inferenceCount
            e.pointee.execution_count = s.executionCount
            e.pointee.success = duration(s.success)
            e.pointee.fail = duration(s.fail)
            e.pointee.queue = duration(s.queue)
            e.pointee.compute_infer = duration(s.computeInfer)
            e.pointee.cache_hit = duration(s.cacheHit)
            (entries + i).initialize(to: e)
        }
        c.pointee.n_model_stats = g.modelStats.count
        c.pointee.model_stats = entries
        return c
    }

    static func encodeModelSpec(_ spec: ModelSpec, arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__ModelSpec> {
        let m = arena.message(Swerve__V1__ModelSpec.self, swerve__v1__model_spec__init)
        m.pointee.name = arena.cString(spec.name)
        if let version = spec.version {
            m.pointee.version_choice_case = SWERVE__V1__MODEL_SPEC__VERSION_CHOICE_VERSION
            m.pointee.version = version
        }
        if let label = spec.versionLabel {
            m.pointee.version_label = arena.cString(label)
        }
        return m
    }

    static func encodeStatus(_ status: Status, arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__Status> {
        let m = arena.message(Swerve__V1__Status.self, swerve__v1__status__init)
        m.pointee.code = Swerve__V1__Code(rawValue: UInt32(status.code.rawValue))
        m.pointee.message = arena.cString(status.message)
        return m
    }

    static func encodeStrings(_ strings: [String], arena: inout EncodeArena) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let p = arena.allocate(UnsafeMutablePointer<CChar>?.self, count: strings.count)
        for (i, s) in strings.enumerated() { (p + i).initialize(to: arena.cString(s)) }
        return p
    }

    static func encodePredictRequest(_ request: PredictRequest,
                                     arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__PredictRequest> {
        let m = arena.message(Swerve__V1__PredictRequest.self, swerve__v1__predict_request__init)
        m.pointee.model_spec = encodeModelSpec(request.modelSpec, arena: &arena)
        let entries = arena.allocate(UnsafeMutablePointer<Swerve__V1__PredictRequest__InputsEntry>?.self,
                                     count: request.inputs.count)
        for (i, input) in request.inputs.enumerated() {
            let e = arena.message(Swerve__V1__PredictRequest__InputsEntry.self,
                                  swerve__v1__predict_request__inputs_entry__init)
            e.pointee.key = arena.cString(input.name)
            e.pointee.value = encodeTensor(input.tensor, encoding: request.tensorEncoding, arena: &arena)
            (entries + i).initialize(to: e)
        }
        m.pointee.n_inputs = request.inputs.count
        m.pointee.inputs = entries
        m.pointee.n_output_filter = request.outputFilter.count
        m.pointee.output_filter = encodeStrings(request.outputFilter, arena: &arena)
        return m
    }

    static func encodePredictResponse(_ response: PredictResponse,
                                      arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__PredictResponse> {
        let m = arena.message(Swerve__V1__PredictResponse.self, swerve__v1__predict_response__init)
        m.pointee.model_spec = encodeModelSpec(response.modelSpec, arena: &arena)
        let entries = arena.allocate(UnsafeMutablePointer<Swerve__V1__PredictResponse__OutputsEntry>?.self,
                                     count: response.outputs.count)
        for (i, output) in response.outputs.enumerated() {
            let e = arena.message(Swerve__V1__PredictResponse__OutputsEntry.self,
                                  swerve__v1__predict_response__outputs_entry__init)
            e.pointee.key = arena.cString(output.name)
            e.pointee.value = encodeTensor(output.tensor, encoding: response.tensorEncoding, arena: &arena)
            (entries + i).initialize(to: e)
        }
        m.pointee.n_outputs = response.outputs.count
        m.pointee.outputs = entries
        return m
    }

    static func encodeGetJobResponse(_ job: GetJobResponse,
                                     arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__GetJobResponse> {
        let m = arena.message(Swerve__V1__GetJobResponse.self, swerve__v1__get_job_response__init)
        m.pointee.job_id = arena.cString(job.jobId)
        m.pointee.state = Swerve__V1__GetJobResponse__State(rawValue: UInt32(job.state.rawValue))
        if let result = job.result {
            m.pointee.result = encodePredictResponse(result, arena: &arena)
        }
        if let error = job.error {
            m.pointee.error = encodeStatus(error, arena: &arena)
        }
        m.pointee.submitted_at_us = job.submittedAtMicros
        m.pointee.started_at_us = job.startedAtMicros
        m.pointee.finished_at_us = job.finishedAtMicros
        m.pointee.attempts = job.attempts
        return m
    }

    static func encodeVersionStatuses(_ versions: [ModelVersionStatus], arena: inout EncodeArena)
        -> UnsafeMutablePointer<UnsafeMutablePointer<Swerve__V1__ModelVersionStatus>?> {
        let p = arena.allocate(UnsafeMutablePointer<Swerve__V1__ModelVersionStatus>?.self, count: versions.count)
        for (i, v) in versions.enumerated() {
            let m = arena.message(Swerve__V1__ModelVersionStatus.self, swerve__v1__model_version_status__init)
            m.pointee.version = v.version
            m.pointee.state = Swerve__V1__ModelVersionStatus__State(rawValue: UInt32(v.state.rawValue))
            // TF Serving always sends a status; OK for a healthy version.
            m.pointee.status = encodeStatus(v.status, arena: &arena)
            m.pointee.n_labels = v.labels.count
            m.pointee.labels = encodeStrings(v.labels, arena: &arena)
            (p + i).initialize(to: m)
        }
        return p
    }

    static func encodeTensorInfos(_ infos: [TensorInfo], arena: inout EncodeArena)
        -> UnsafeMutablePointer<UnsafeMutablePointer<Swerve__V1__TensorInfo>?> {
        let p = arena.allocate(UnsafeMutablePointer<Swerve__V1__TensorInfo>?.self, count: infos.count)
        for (i, info) in infos.enumerated() {
            let m = arena.message(Swerve__V1__TensorInfo.self, swerve__v1__tensor_info__init)
            m.pointee.name = arena.cString(info.name)
            m.pointee.dtype = Swerve__V1__DataType(rawValue: UInt32(info.dtype.rawValue))
            m.pointee.n_shape = info.shape.count
            m.pointee.shape = arena.copy(info.shape)
            m.pointee.kind = arena.cString(info.kind.rawValue)
            m.pointee.label_dtype = Swerve__V1__DataType(rawValue: UInt32(info.labelDtype.rawValue))
            (p + i).initialize(to: m)
        }
        return p
    }

    static func encodeMetadata(_ meta: GetModelMetadataResponse,
                               arena: inout EncodeArena) -> UnsafeMutablePointer<Swerve__V1__GetModelMetadataResponse> {
        let m = arena.message(Swerve__V1__GetModelMetadataResponse.self, swerve__v1__get_model_metadata_response__init)
        m.pointee.model_spec = encodeModelSpec(meta.modelSpec, arena: &arena)
        m.pointee.n_inputs = meta.inputs.count
        m.pointee.inputs = encodeTensorInfos(meta.inputs, arena: &arena)
        m.pointee.n_outputs = meta.outputs.count
        m.pointee.outputs = encodeTensorInfos(meta.outputs, arena: &arena)
        m.pointee.n_class_labels = meta.classLabels.count
        m.pointee.class_labels = encodeStrings(meta.classLabels, arena: &arena)
        m.pointee.n_feature_names = meta.featureNames.count
        m.pointee.feature_names = encodeStrings(meta.featureNames, arena: &arena)
        let policy = arena.message(Swerve__V1__VersionPolicy.self, swerve__v1__version_policy__init)
        switch meta.versionPolicy {
        case .latest(let n): policy.pointee.latest = UInt32(clamping: n)
        case .all: policy.pointee.all = 1
        case .specific(let versions):
            policy.pointee.n_specific = versions.count
            policy.pointee.specific = arena.copy(versions)
        }
        m.pointee.version_policy = policy
        m.pointee.n_versions = meta.versions.count
        m.pointee.versions = arena.copy(meta.versions)
        // Sorted so the same metadata always packs to the same bytes.
        let labels = meta.versionLabels.sorted { $0.key < $1.key }
        let entries = arena.allocate(UnsafeMutablePointer<Swerve__V1__GetModelMetadataResponse__VersionLabelsEntry>?.self,
                                     count: labels.count)
        for (i, label) in labels.enumerated() {
            let e = arena.message(Swerve__V1__GetModelMetadataResponse__VersionLabelsEntry.self,
                                  swerve__v1__get_model_metadata_response__version_labels_entry__init)
            e.pointee.key = arena.cString(label.key)
            e.pointee.value = label.value
            (entries + i).initialize(to: e)
        }
        m.pointee.n_version_labels = labels.count
        m.pointee.version_labels = entries
        m.pointee.producer = arena.cString(meta.producer)
        m.pointee.max_batch_size = meta.maxBatchSize
        return m
    }
}
