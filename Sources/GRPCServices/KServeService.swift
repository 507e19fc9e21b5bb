import CGRPCServiceProto
import GRPC
import ModelRuntime
import Primitives
import Wire

/// `inference.GRPCInferenceService`: KServe V2 over gRPC as Triton ships it,
/// so `tritonclient.grpc` works unchanged. Shared memory, tracing, logging
/// settings and streaming inference answer UNIMPLEMENTED.
struct KServeService: Sendable {
    let calls: ServingCalls
    let serverVersion: String

    var service: GRPCService {
        GRPCService(name: "inference.GRPCInferenceService", methods: [
            "ServerLive": serverLive,
            "ServerReady": serverReady,
            "ModelReady": modelReady,
            "ServerMetadata": serverMetadata,
            "ModelMetadata": modelMetadata,
            "ModelInfer": modelInfer,
            "ModelConfig": modelConfig,
            "ModelStatistics": modelStatistics,
            "RepositoryIndex": repositoryIndex,
            "RepositoryModelLoad": { bytes, context, responder in repositoryControl(bytes, context, responder, load: true) },
            "RepositoryModelUnload": { bytes, context, responder in repositoryControl(bytes, context, responder, load: false) },
        ])
    }

    /// A model spec from V2's name and version string ("" = the latest).
    static func spec(_ name: UnsafePointer<CChar>?, _ version: UnsafePointer<CChar>?) throws(GRPCStatus) -> ModelSpec {
        let modelName = ProtobufMessages.string(name)
        guard !modelName.isEmpty else { throw GRPCStatus(.invalidArgument, "the model name is empty") }
        let text = ProtobufMessages.string(version)
        guard !text.isEmpty else { return ModelSpec(name: modelName) }
        guard let v = Int64(text), v >= 0 else {
            throw GRPCStatus(.invalidArgument, "model version '\(text.prefix(40))' is not a non-negative integer")
        }
        return ModelSpec(name: modelName, version: v)
    }

    /// The model spec of a request that names a model and a version.
    static func spec<Message: ModelVersionRequest>(
        _ bytes: UnsafeRawBufferPointer, as name: String,
        unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<Message>?,
        free: (UnsafeMutablePointer<Message>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void
    ) throws(GRPCStatus) -> ModelSpec {
        try ProtobufMessages.withUnpacked(bytes, as: name, unpack: unpack, free: free) { request throws(GRPCStatus) in
            try spec(request.pointee.name, request.pointee.version)
        }
    }

    // MARK: Health and metadata

    private func serverLive(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        var arena = BumpArena()
        let response = arena.message(Inference__ServerLiveResponse.self, inference__server_live_response__init)
        response.pointee.live = 1
        responder.succeed(ProtobufMessages.packed(response))
    }

    /// Ready once every model has an AVAILABLE version or has FAILED (what
    /// Health's `serving` means), as REST's `/v2/health/ready`.
    private func serverReady(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        calls.run(.health(HealthRequest()), context, responder) { result throws(GRPCStatus) in
            guard case .health(let health) = result else { throw ServingCalls.unexpected("ServerReady") }
            var arena = BumpArena()
            let response = arena.message(Inference__ServerReadyResponse.self, inference__server_ready_response__init)
            response.pointee.ready = health.serving ? 1 : 0
            return ProtobufMessages.packed(response)
        }
    }

    private func modelReady(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        calls.run(context, responder) { () throws(GRPCStatus) in
            let spec = try Self.spec(bytes, as: "inference.ModelReadyRequest", unpack: inference__model_ready_request__unpack,
                                     free: inference__model_ready_request__free_unpacked)
            return .getModelStatus(GetModelStatusRequest(modelSpec: spec))
        } answer: { result throws(GRPCStatus) in
            guard case .getModelStatus(let status) = result else { throw ServingCalls.unexpected("ModelReady") }
            var arena = BumpArena()
            let response = arena.message(Inference__ModelReadyResponse.self, inference__model_ready_response__init)
            response.pointee.ready = status.versions.contains { $0.state == .available } ? 1 : 0
            return ProtobufMessages.packed(response)
        }
    }

    private func serverMetadata(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        var arena = BumpArena()
        let response = arena.message(Inference__ServerMetadataResponse.self, inference__server_metadata_response__init)
        response.pointee.name = arena.cString("swerve")
        response.pointee.version = arena.cString(serverVersion)
        let extensions = ["model_repository", "statistics", "model_configuration"]
        response.pointee.n_extensions = extensions.count
        response.pointee.extensions = arena.cStrings(extensions)
        responder.succeed(ProtobufMessages.packed(response))
    }

    private func modelMetadata(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        let spec: ModelSpec
        do throws(GRPCStatus) {
            spec = try Self.spec(bytes, as: "inference.ModelMetadataRequest", unpack: inference__model_metadata_request__unpack,
                                 free: inference__model_metadata_request__free_unpacked)
        } catch {
            return responder.fail(error)
        }
        calls.run(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), context, responder) { result throws(GRPCStatus) in
            guard case .getModelMetadata(let m) = result else { throw ServingCalls.unexpected("ModelMetadata") }
            var arena = BumpArena()
            let response = arena.message(Inference__ModelMetadataResponse.self, inference__model_metadata_response__init)
            response.pointee.name = arena.cString(m.modelSpec.name)
            let versions = (spec.version.map { [$0] } ?? m.versions).map(String.init)
            response.pointee.n_versions = versions.count
            response.pointee.versions = arena.cStrings(versions)
            response.pointee.platform = arena.cString("onnxruntime_onnx")
            let inputs = Self.tensorMetadata(m.inputs, arena: &arena)
            response.pointee.n_inputs = inputs.count
            response.pointee.inputs = arena.pointers(inputs)
            let outputs = Self.tensorMetadata(m.outputs, arena: &arena)
            response.pointee.n_outputs = outputs.count
            response.pointee.outputs = arena.pointers(outputs)
            return ProtobufMessages.packed(response)
        }
    }

    private static func tensorMetadata(_ infos: [TensorInfo], arena: inout BumpArena)
        -> [UnsafeMutablePointer<Inference__ModelMetadataResponse__TensorMetadata>] {
        var result: [UnsafeMutablePointer<Inference__ModelMetadataResponse__TensorMetadata>] = []
        KServeV2.forEachTensor(infos) { name, type, shape in
            let t = arena.message(Inference__ModelMetadataResponse__TensorMetadata.self,
                                  inference__model_metadata_response__tensor_metadata__init)
            t.pointee.name = arena.cString(name)
            t.pointee.datatype = arena.cString(type.elementType.map(KServeV2.dataTypeName) ?? "BYTES")
            t.pointee.n_shape = shape.count
            t.pointee.shape = arena.copy(shape)
            result.append(t)
        }
        return result
    }
}

/// A KServe request naming a model and a version (both C strings).
protocol ModelVersionRequest {
    var name: UnsafeMutablePointer<CChar>! { get }
    var version: UnsafeMutablePointer<CChar>! { get }
}

extension Inference__ModelReadyRequest: ModelVersionRequest {}
extension Inference__ModelMetadataRequest: ModelVersionRequest {}
extension Inference__ModelConfigRequest: ModelVersionRequest {}
extension Inference__ModelStatisticsRequest: ModelVersionRequest {}
