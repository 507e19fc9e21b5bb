import CGRPCServiceProto
import GRPC
import ModelRuntime
import Primitives
import Wire

/// `tensorflow.serving.PredictionService` (Predict, Classify, Regress,
/// GetModelMetadata) and `tensorflow.serving.ModelService` (GetModelStatus),
/// so TF Serving's gRPC stubs work unchanged. MultiInference and
/// HandleReloadConfigRequest answer UNIMPLEMENTED. Every response names the
/// version that served in `model_spec.version`.
struct TFServingService: Sendable {
    let calls: ServingCalls

    /// The one signature swerve models have, under TF Serving's default name.
    static let signatureName = "serving_default"

    var services: [GRPCService] {
        [
            GRPCService(name: "tensorflow.serving.PredictionService", methods: [
                "Predict": predict,
                "Classify": { bytes, context, responder in examples(bytes, context, responder, classify: true) },
                "Regress": { bytes, context, responder in examples(bytes, context, responder, classify: false) },
                "GetModelMetadata": modelMetadata,
            ]),
            GRPCService(name: "tensorflow.serving.ModelService", methods: ["GetModelStatus": modelStatus]),
        ]
    }

    /// A Wire model spec from TF Serving's: a version number, a label, or neither (the latest).
    static func spec(_ pointer: UnsafeMutablePointer<Tensorflow__Serving__ModelSpec>?) throws(GRPCStatus) -> ModelSpec {
        guard let s = pointer?.pointee else { throw GRPCStatus(.invalidArgument, "model_spec is missing") }
        let name = ProtobufMessages.string(s.name)
        guard !name.isEmpty else { throw GRPCStatus(.invalidArgument, "model_spec.name is empty") }
        let signature = ProtobufMessages.string(s.signature_name)
        guard signature.isEmpty || signature == signatureName else {
            throw GRPCStatus(.invalidArgument, "signature '\(signature.prefix(60))' not found; model '\(name)' serves '\(signatureName)'")
        }
        var spec = ModelSpec(name: name)
        switch s.version_choice_case {
        case TENSORFLOW__SERVING__MODEL_SPEC__VERSION_CHOICE_VERSION:
            if let version = s.version { spec.version = version.pointee.value }
        case TENSORFLOW__SERVING__MODEL_SPEC__VERSION_CHOICE_VERSION_LABEL:
            let label = ProtobufMessages.string(s.version_label)
            if !label.isEmpty { spec.versionLabel = label }
        default:
            break
        }
        return spec
    }

    /// TF Serving's model spec for the version that served.
    static func responseSpec(_ spec: ModelSpec, arena: inout BumpArena) -> UnsafeMutablePointer<Tensorflow__Serving__ModelSpec> {
        let s = arena.message(Tensorflow__Serving__ModelSpec.self, tensorflow__serving__model_spec__init)
        s.pointee.name = arena.cString(spec.name)
        s.pointee.signature_name = arena.cString(signatureName)
        if let v = spec.version {
            let version = arena.message(Google__Protobuf__Int64Value.self, google__protobuf__int64_value__init)
            version.pointee.value = v
            s.pointee.version_choice_case = TENSORFLOW__SERVING__MODEL_SPEC__VERSION_CHOICE_VERSION
            s.pointee.version = version
        }
        return s
    }

    // MARK: Predict

    private func predict(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        do throws(GRPCStatus) {
            let request = try ProtobufMessages.withUnpacked(bytes, as: "tensorflow.serving.PredictRequest",
                                                            unpack: tensorflow__serving__predict_request__unpack,
                                                            free: tensorflow__serving__predict_request__free_unpacked) { message throws(GRPCStatus) in
                let r = message.pointee
                var inputs: [NamedTensor] = []
                for i in 0..<r.n_inputs {
                    guard let entry = r.inputs[i]?.pointee else { continue }
                    let name = ProtobufMessages.string(entry.key)
                    inputs.append(NamedTensor(name, try TFTensors.tensor(entry.value, input: name, maxBytes: context.maxMessageBytes)))
                }
                let filter = (0..<r.n_output_filter).map { ProtobufMessages.string(r.output_filter[$0]) }
                return PredictRequest(modelSpec: try Self.spec(r.model_spec), inputs: inputs, outputFilter: filter)
            }
            calls.run(.predict(request), context, responder) { result throws(GRPCStatus) in
                guard case .predict(let p) = result else { throw ServingCalls.unexpected("Predict") }
                var arena = BumpArena()
                let response = arena.message(Tensorflow__Serving__PredictResponse.self, tensorflow__serving__predict_response__init)
                response.pointee.model_spec = Self.responseSpec(p.modelSpec, arena: &arena)
                var entries: [UnsafeMutablePointer<Tensorflow__Serving__PredictResponse__OutputsEntry>] = []
                for o in p.outputs {
                    let e = arena.message(Tensorflow__Serving__PredictResponse__OutputsEntry.self,
                                          tensorflow__serving__predict_response__outputs_entry__init)
                    e.pointee.key = arena.cString(o.name)
                    e.pointee.value = TFTensors.proto(o.tensor, arena: &arena)
                    entries.append(e)
                }
                response.pointee.n_outputs = entries.count
                response.pointee.outputs = arena.pointers(entries)
                return ProtobufMessages.packed(response)
            }
        } catch {
            responder.fail(error)
        }
    }

    // MARK: Metadata and status

    /// `signature_def` as TF Serving returns it: a SignatureDefMap in an Any.
    private func modelMetadata(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        do throws(GRPCStatus) {
            let spec = try ProtobufMessages.withUnpacked(bytes, as: "tensorflow.serving.GetModelMetadataRequest",
                                                         unpack: tensorflow__serving__get_model_metadata_request__unpack,
                                                         free: tensorflow__serving__get_model_metadata_request__free_unpacked) { message throws(GRPCStatus) in
                let r = message.pointee
                for i in 0..<r.n_metadata_field {
                    let field = ProtobufMessages.string(r.metadata_field[i])
                    guard field == "signature_def" else {
                        throw GRPCStatus(.invalidArgument, "metadata field '\(field.prefix(60))' is not supported; ask for signature_def")
                    }
                }
                return try Self.spec(r.model_spec)
            }
            calls.run(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), context, responder) { result throws(GRPCStatus) in
                guard case .getModelMetadata(let m) = result else { throw ServingCalls.unexpected("GetModelMetadata") }
                var arena = BumpArena()
                let signature = arena.message(Tensorflow__SignatureDef.self, tensorflow__signature_def__init)
                let inputs = Self.signatureEntries(m.inputs, arena: &arena, make: tensorflow__signature_def__inputs_entry__init)
                signature.pointee.n_inputs = inputs.count
                signature.pointee.inputs = arena.pointers(inputs)
                let outputs = Self.signatureEntries(m.outputs, arena: &arena, make: tensorflow__signature_def__outputs_entry__init)
                signature.pointee.n_outputs = outputs.count
                signature.pointee.outputs = arena.pointers(outputs)
                signature.pointee.method_name = arena.cString("tensorflow/serving/predict")
                let entry = arena.message(Tensorflow__Serving__SignatureDefMap__SignatureDefEntry.self,
                                          tensorflow__serving__signature_def_map__signature_def_entry__init)
                entry.pointee.key = arena.cString(Self.signatureName)
                entry.pointee.value = signature
                let map = arena.message(Tensorflow__Serving__SignatureDefMap.self, tensorflow__serving__signature_def_map__init)
                map.pointee.n_signature_def = 1
                map.pointee.signature_def = arena.pointers([entry])
                let any = arena.message(Google__Protobuf__Any.self, google__protobuf__any__init)
                any.pointee.type_url = arena.cString("type.googleapis.com/tensorflow.serving.SignatureDefMap")
                any.pointee.value = arena.binary(ProtobufMessages.packed(map))
                let metadata = arena.message(Tensorflow__Serving__GetModelMetadataResponse__MetadataEntry.self,
                                             tensorflow__serving__get_model_metadata_response__metadata_entry__init)
                metadata.pointee.key = arena.cString("signature_def")
                metadata.pointee.value = any
                let response = arena.message(Tensorflow__Serving__GetModelMetadataResponse.self,
                                             tensorflow__serving__get_model_metadata_response__init)
                response.pointee.model_spec = Self.responseSpec(m.modelSpec, arena: &arena)
                response.pointee.n_metadata = 1
                response.pointee.metadata = arena.pointers([metadata])
                return ProtobufMessages.packed(response)
            }
        } catch {
            responder.fail(error)
        }
    }

    /// Inputs or outputs entries of a SignatureDef.
    private static func signatureEntries<Entry: TensorInfoEntry>(_ infos: [TensorInfo], arena: inout BumpArena,
                                                                 make: (UnsafeMutablePointer<Entry>?) -> Void) -> [UnsafeMutablePointer<Entry>] {
        infos.map { info in
            let tensorInfo = arena.message(Tensorflow__TensorInfo.self, tensorflow__tensor_info__init)
            tensorInfo.pointee.encoding_case = TENSORFLOW__TENSOR_INFO__ENCODING_NAME
            tensorInfo.pointee.name = arena.cString(info.name)
            tensorInfo.pointee.dtype = Tensorflow__DataType(rawValue: UInt32(bitPattern: info.dtype.rawValue))
            tensorInfo.pointee.tensor_shape = TFTensors.shape(info.shape, arena: &arena)
            let entry = arena.message(Entry.self, make)
            entry.pointee.key = arena.cString(info.name)
            entry.pointee.value = tensorInfo
            return entry
        }
    }

    private func modelStatus(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        calls.run(context, responder) { () throws(GRPCStatus) in
            let spec = try ProtobufMessages.withUnpacked(bytes, as: "tensorflow.serving.GetModelStatusRequest",
                                                         unpack: tensorflow__serving__get_model_status_request__unpack,
                                                         free: tensorflow__serving__get_model_status_request__free_unpacked) { message throws(GRPCStatus) in
                try Self.spec(message.pointee.model_spec)
            }
            return .getModelStatus(GetModelStatusRequest(modelSpec: spec))
        } answer: { result throws(GRPCStatus) in
            guard case .getModelStatus(let status) = result else { throw ServingCalls.unexpected("GetModelStatus") }
            var arena = BumpArena()
            var versions: [UnsafeMutablePointer<Tensorflow__Serving__ModelVersionStatus>] = []
            for v in status.versions {
                let s = arena.message(Tensorflow__Serving__ModelVersionStatus.self, tensorflow__serving__model_version_status__init)
                s.pointee.version = v.version
                // TF Serving has no FAILED state: a failed version has
                // ENDED, and its status says why.
                let state = v.state == .failed ? ModelVersionStatus.State.end : v.state
                s.pointee.state = Tensorflow__Serving__ModelVersionStatus__State(rawValue: UInt32(bitPattern: state.rawValue))
                let proto = arena.message(Tensorflow__Serving__StatusProto.self, tensorflow__serving__status_proto__init)
                proto.pointee.error_code = Tensorflow__Error__Code(rawValue: UInt32(bitPattern: v.status.code.rawValue))
                proto.pointee.error_message = arena.cString(v.status.message)
                s.pointee.status = proto
                versions.append(s)
            }
            let response = arena.message(Tensorflow__Serving__GetModelStatusResponse.self,
                                         tensorflow__serving__get_model_status_response__init)
            response.pointee.n_model_version_status = versions.count
            response.pointee.model_version_status = arena.pointers(versions)
            return ProtobufMessages.packed(response)
        }
    }
}

/// A SignatureDef's `inputs` or `outputs` map entry: name → TensorInfo.
protocol TensorInfoEntry {
    var key: UnsafeMutablePointer<CChar>! { get set }
    var value: UnsafeMutablePointer<Tensorflow__TensorInfo>! { get set }
}

extension Tensorflow__SignatureDef__InputsEntry: TensorInfoEntry {}
extension Tensorflow__SignatureDef__OutputsEntry: TensorInfoEntry {}
