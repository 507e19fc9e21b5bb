import CGRPCServiceProto
import GRPC
import ModelRuntime
import Primitives
import Wire

/// Triton's model-management methods, mapped onto what swerve knows: the
/// repository index, statistics, configuration, and load/unload through the
/// model manager (FAILED_PRECONDITION, naming the repository-control mode,
/// where it does not allow them).
extension KServeService {
    func repositoryIndex(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        do throws(GRPCStatus) {
            let readyOnly = try ProtobufMessages.withUnpacked(bytes, as: "inference.RepositoryIndexRequest",
                                                              unpack: inference__repository_index_request__unpack,
                                                              free: inference__repository_index_request__free_unpacked) { $0.pointee.ready != 0 }
            calls.run(.listModels(ListModelsRequest()), context, responder) { result throws(GRPCStatus) in
                guard case .listModels(let list) = result else { throw ServingCalls.unexpected("RepositoryIndex") }
                var arena = BumpArena()
                var entries: [UnsafeMutablePointer<Inference__RepositoryIndexResponse__ModelIndex>] = []
                func entry(_ name: String, _ version: ModelVersionStatus?) {
                    let e = arena.message(Inference__RepositoryIndexResponse__ModelIndex.self,
                                          inference__repository_index_response__model_index__init)
                    e.pointee.name = arena.cString(name)
                    if let version {
                        e.pointee.version = arena.cString(String(version.version))
                        e.pointee.state = arena.cString(KServeV2.tritonState(version.state))
                        e.pointee.reason = arena.cString(version.status.message)
                    }
                    entries.append(e)
                }
                for model in list.models {
                    // Never loaded (repository control explicit): Triton lists the name alone.
                    if model.versions.isEmpty && !readyOnly { entry(model.name, nil) }
                    for v in model.versions where !readyOnly || v.state == .available { entry(model.name, v) }
                }
                let response = arena.message(Inference__RepositoryIndexResponse.self, inference__repository_index_response__init)
                response.pointee.n_models = entries.count
                response.pointee.models = arena.pointers(entries)
                return ProtobufMessages.packed(response)
            }
        } catch {
            responder.fail(error)
        }
    }

    func modelStatistics(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        do throws(GRPCStatus) {
            let spec = try ProtobufMessages.withUnpacked(bytes, as: "inference.ModelStatisticsRequest",
                                                         unpack: inference__model_statistics_request__unpack,
                                                         free: inference__model_statistics_request__free_unpacked) { request throws(GRPCStatus) in
                // An empty name asks for every model.
                request.pointee.name.map { $0.pointee == 0 } ?? true
                    ? ModelSpec(name: "") : try Self.spec(request.pointee.name, request.pointee.version)
            }
            calls.run(.getModelStatistics(GetModelStatisticsRequest(modelSpec: spec)), context, responder) { result throws(GRPCStatus) in
                guard case .getModelStatistics(let g) = result else { throw ServingCalls.unexpected("ModelStatistics") }
                var arena = BumpArena()
                var stats: [UnsafeMutablePointer<Inference__ModelStatistics>] = []
                for s in g.modelStats {
                    let m = arena.message(Inference__ModelStatistics.self, inference__model_statistics__init)
                    m.pointee.name = arena.cString(s.name)
                    m.pointee.version = arena.cString(String(s.version))
                    m.pointee.last_inference = s.lastInferenceMs
                    m.pointee.inference_count = s.inferenceCount
                    m.pointee.execution_count = s.executionCount
                    let i = arena.message(Inference__InferStatistics.self, inference__infer_statistics__init)
                    func duration(_ d: StatisticDuration) -> UnsafeMutablePointer<Inference__StatisticDuration> {
                        let p = arena.message(Inference__StatisticDuration.self, inference__statistic_duration__init)
                        p.pointee.count = d.count
                        p.pointee.ns = d.ns
                        return p
                    }
                    // Tensor conversion happens in the fronts, so those
                    // durations are zero, not guessed; a miss is an ordinary run.
                    let none = StatisticDuration()
                    i.pointee.success = duration(s.success)
                    i.pointee.fail = duration(s.fail)
                    i.pointee.queue = duration(s.queue)
                    i.pointee.compute_input = duration(none)
                    i.pointee.compute_infer = duration(s.computeInfer)
                    i.pointee.compute_output = duration(none)
                    i.pointee.cache_hit = duration(s.cacheHit)
                    i.pointee.cache_miss = duration(none)
                    m.pointee.inference_stats = i
                    stats.append(m)
                }
                let response = arena.message(Inference__ModelStatisticsResponse.self, inference__model_statistics_response__init)
                response.pointee.n_model_stats = stats.count
                response.pointee.model_stats = arena.pointers(stats)
                return ProtobufMessages.packed(response)
            }
        } catch {
            responder.fail(error)
        }
    }

    /// Triton's model configuration, built from the model's metadata.
    func modelConfig(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        calls.run(context, responder) { () throws(GRPCStatus) in
            let spec = try Self.spec(bytes, as: "inference.ModelConfigRequest", unpack: inference__model_config_request__unpack,
                                     free: inference__model_config_request__free_unpacked)
            return .getModelMetadata(GetModelMetadataRequest(modelSpec: spec))
        } answer: { result throws(GRPCStatus) in
            guard case .getModelMetadata(let m) = result else { throw ServingCalls.unexpected("ModelConfig") }
            var arena = BumpArena()
            let config = arena.message(Inference__ModelConfig.self, inference__model_config__init)
            config.pointee.name = arena.cString(m.modelSpec.name)
            config.pointee.platform = arena.cString("onnxruntime_onnx")
            config.pointee.backend = arena.cString("onnxruntime")
            config.pointee.max_batch_size = Int32(clamping: m.maxBatchSize)
            // With a batch limit, Triton's dims leave out the batch dimension.
            let batched = m.maxBatchSize > 0
            var inputs: [UnsafeMutablePointer<Inference__ModelInput>] = []
            KServeV2.forEachTensor(m.inputs) { name, type, shape in
                let t = arena.message(Inference__ModelInput.self, inference__model_input__init)
                t.pointee.name = arena.cString(name)
                t.pointee.data_type = Self.configType(type)
                let dims = Array(batched ? shape.dropFirst() : shape[...])
                t.pointee.n_dims = dims.count
                t.pointee.dims = arena.copy(dims)
                inputs.append(t)
            }
            var outputs: [UnsafeMutablePointer<Inference__ModelOutput>] = []
            KServeV2.forEachTensor(m.outputs) { name, type, shape in
                let t = arena.message(Inference__ModelOutput.self, inference__model_output__init)
                t.pointee.name = arena.cString(name)
                t.pointee.data_type = Self.configType(type)
                let dims = Array(batched ? shape.dropFirst() : shape[...])
                t.pointee.n_dims = dims.count
                t.pointee.dims = arena.copy(dims)
                outputs.append(t)
            }
            config.pointee.n_input = inputs.count
            config.pointee.input = arena.pointers(inputs)
            config.pointee.n_output = outputs.count
            config.pointee.output = arena.pointers(outputs)
            let response = arena.message(Inference__ModelConfigResponse.self, inference__model_config_response__init)
            response.pointee.config = config
            return ProtobufMessages.packed(response)
        }
    }

    private static func configType(_ type: DataType) -> Inference__DataType {
        switch type.elementType {
        case .float?: return INFERENCE__DATA_TYPE__TYPE_FP32
        case .double?: return INFERENCE__DATA_TYPE__TYPE_FP64
        case .int64?: return INFERENCE__DATA_TYPE__TYPE_INT64
        case .int32?: return INFERENCE__DATA_TYPE__TYPE_INT32
        case .bool?: return INFERENCE__DATA_TYPE__TYPE_BOOL
        case .string?, nil: return INFERENCE__DATA_TYPE__TYPE_STRING
        }
    }

    func repositoryControl(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder, load: Bool) {
        do throws(GRPCStatus) {
            let name: String
            if load {
                name = try ProtobufMessages.withUnpacked(bytes, as: "inference.RepositoryModelLoadRequest",
                                                         unpack: inference__repository_model_load_request__unpack,
                                                         free: inference__repository_model_load_request__free_unpacked) { request throws(GRPCStatus) in
                    // Config and file overrides would change what the
                    // repository holds; swerve loads its files as they are.
                    if request.pointee.n_parameters > 0 {
                        let key = ProtobufMessages.string(request.pointee.parameters[0]?.pointee.key)
                        throw GRPCStatus(.invalidArgument, "load parameter '\(key.prefix(60))' is not supported: swerve loads the model's files and config.json from its repository as they are")
                    }
                    return ProtobufMessages.string(request.pointee.model_name)
                }
            } else {
                name = try ProtobufMessages.withUnpacked(bytes, as: "inference.RepositoryModelUnloadRequest",
                                                         unpack: inference__repository_model_unload_request__unpack,
                                                         free: inference__repository_model_unload_request__free_unpacked) {
                    ProtobufMessages.string($0.pointee.model_name)
                }
            }
            guard !name.isEmpty else { throw GRPCStatus(.invalidArgument, "model_name is empty") }
            let control = ModelControlRequest(name: name)
            calls.run(load ? .loadModel(control) : .unloadModel(control), context, responder) { _ throws(GRPCStatus) in
                var arena = BumpArena()
                if load {
                    return ProtobufMessages.packed(arena.message(Inference__RepositoryModelLoadResponse.self,
                                                                 inference__repository_model_load_response__init))
                }
                return ProtobufMessages.packed(arena.message(Inference__RepositoryModelUnloadResponse.self,
                                                             inference__repository_model_unload_response__init))
            }
        } catch {
            responder.fail(error)
        }
    }
}
