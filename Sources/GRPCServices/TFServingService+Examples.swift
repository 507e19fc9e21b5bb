import CGRPCServiceProto
import GRPC
import ModelRuntime
import Primitives
import Wire

/// Classify and Regress: tf.Example inputs (with an optional context
/// example) become rows of the model's single input. Features map onto its
/// columns through config.json `feature_names`; an example may instead hold
/// the whole row under the input's name, as the REST `:classify` route takes.
extension TFServingService {
    /// One example's features by name.
    typealias Features = [String: UnsafeMutablePointer<Tensorflow__Feature>]

    func examples(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder, classify: Bool) {
        do throws(GRPCStatus) {
            // The examples are read into plain values now: the unpacked
            // message is freed before the model's metadata arrives.
            let (spec, rows) = try classify
                ? ProtobufMessages.withUnpacked(bytes, as: "tensorflow.serving.ClassificationRequest",
                                                unpack: tensorflow__serving__classification_request__unpack,
                                                free: tensorflow__serving__classification_request__free_unpacked) { m throws(GRPCStatus) in
                    (try Self.spec(m.pointee.model_spec), try Self.exampleRows(m.pointee.input))
                }
                : ProtobufMessages.withUnpacked(bytes, as: "tensorflow.serving.RegressionRequest",
                                                unpack: tensorflow__serving__regression_request__unpack,
                                                free: tensorflow__serving__regression_request__free_unpacked) { m throws(GRPCStatus) in
                    (try Self.spec(m.pointee.model_spec), try Self.exampleRows(m.pointee.input))
                }
            calls.predictWithMetadata(spec, context, responder) { meta throws(GRPCStatus) in
                if let refusal = classify ? meta.classifyRefusal : meta.regressRefusal { throw GRPCStatus(.invalidArgument, refusal) }
                return PredictRequest(modelSpec: spec, inputs: [try Self.input(rows, meta)])
            } answer: { p, meta throws(GRPCStatus) in
                classify ? try Self.classificationResponse(p, meta) : try Self.regressionResponse(p)
            }
        } catch {
            responder.fail(error)
        }
    }

    /// An example: each feature's values as doubles, or as strings for a bytes_list.
    struct ExampleRow: Sendable {
        var numbers: [String: [Double]] = [:]
        var strings: [String: [String]] = [:]

        func values(_ key: String) -> [ExampleValue]? {
            if let n = numbers[key] { return n.map { .number($0) } }
            if let s = strings[key] { return s.map { .string($0) } }
            return nil
        }
    }

    enum ExampleValue: Sendable {
        case number(Double)
        case string(String)
    }

    static func exampleRows(_ input: UnsafeMutablePointer<Tensorflow__Serving__Input>?) throws(GRPCStatus) -> [ExampleRow] {
        guard let input = input?.pointee else { throw GRPCStatus(.invalidArgument, "input is missing: send an example_list") }
        var examples: [UnsafeMutablePointer<Tensorflow__Example>?] = []
        var context: ExampleRow?
        switch input.kind_case {
        case TENSORFLOW__SERVING__INPUT__KIND_EXAMPLE_LIST:
            let list = input.example_list.pointee
            examples = (0..<list.n_examples).map { list.examples[$0] }
        case TENSORFLOW__SERVING__INPUT__KIND_EXAMPLE_LIST_WITH_CONTEXT:
            let list = input.example_list_with_context.pointee
            examples = (0..<list.n_examples).map { list.examples[$0] }
            context = try row(list.context, index: -1)
        default:
            throw GRPCStatus(.invalidArgument, "input holds no examples: send an example_list or example_list_with_context")
        }
        guard !examples.isEmpty else { throw GRPCStatus(.invalidArgument, "the example list is empty") }
        return try examples.enumerated().map { i, example throws(GRPCStatus) in
            var r = try row(example, index: i)
            if let context {
                for (k, v) in context.numbers where r.values(k) == nil { r.numbers[k] = v }
                for (k, v) in context.strings where r.values(k) == nil { r.strings[k] = v }
            }
            return r
        }
    }

    private static func row(_ example: UnsafeMutablePointer<Tensorflow__Example>?, index: Int) throws(GRPCStatus) -> ExampleRow {
        var row = ExampleRow()
        guard let features = example?.pointee.features?.pointee else { return row }
        for j in 0..<features.n_feature {
            guard let entry = features.feature[j]?.pointee, let feature = entry.value?.pointee else { continue }
            let key = ProtobufMessages.string(entry.key)
            switch feature.kind_case {
            case TENSORFLOW__FEATURE__KIND_FLOAT_LIST:
                let l = feature.float_list.pointee
                row.numbers[key] = (0..<l.n_value).map { Double(l.value[$0]) }
            case TENSORFLOW__FEATURE__KIND_INT64_LIST:
                let l = feature.int64_list.pointee
                row.numbers[key] = (0..<l.n_value).map { Double(l.value[$0]) }
            case TENSORFLOW__FEATURE__KIND_BYTES_LIST:
                let l = feature.bytes_list.pointee
                var strings: [String] = []
                for k in 0..<l.n_value {
                    guard let s = String(validating: UnsafeRawBufferPointer(start: l.value[k].data, count: l.value[k].len), as: UTF8.self) else {
                        throw GRPCStatus(.invalidArgument, "\(index < 0 ? "the context" : "example \(index)") feature '\(key)' is not valid UTF-8")
                    }
                    strings.append(s)
                }
                row.strings[key] = strings
            default:
                row.numbers[key] = []
            }
        }
        return row
    }

    /// The examples as rows [examples, columns] of the model's single input.
    static func input(_ rows: [ExampleRow], _ meta: GetModelMetadataResponse) throws(GRPCStatus) -> NamedTensor {
        guard meta.inputs.count == 1, let info = meta.inputs.first, let type = info.dtype.elementType else {
            throw GRPCStatus(.invalidArgument, "model '\(meta.modelSpec.name)' has \(meta.inputs.count) inputs \(meta.inputs.map(\.name)); Classify and Regress need a model with one input")
        }
        let features = meta.featureNames
        var values: [ExampleValue] = []
        var columns = -1
        for (i, row) in rows.enumerated() {
            var rowValues: [ExampleValue]
            if let whole = row.values(info.name) {
                rowValues = whole
            } else {
                guard !features.isEmpty else {
                    throw GRPCStatus(.invalidArgument, "example \(i) has no feature '\(info.name)' and model '\(meta.modelSpec.name)' has no feature_names in its config.json; put the whole row under '\(info.name)'")
                }
                if let unknown = (Array(row.numbers.keys) + Array(row.strings.keys)).first(where: { !features.contains($0) }) {
                    throw GRPCStatus(.invalidArgument, "example \(i) has feature '\(unknown.prefix(100))', which model '\(meta.modelSpec.name)' does not have; its features are \(features)")
                }
                rowValues = []
                for feature in features {
                    guard let v = row.values(feature) else {
                        throw GRPCStatus(.invalidArgument, "example \(i) has no feature '\(feature)' (and the context does not set it); the model's features are \(features)")
                    }
                    guard v.count == 1 else {
                        throw GRPCStatus(.invalidArgument, "example \(i) feature '\(feature)' must be one value, got \(v.count)")
                    }
                    rowValues.append(v[0])
                }
            }
            if columns < 0 { columns = rowValues.count }
            guard rowValues.count == columns else {
                throw GRPCStatus(.invalidArgument, "example \(i) has \(rowValues.count) values; example 0 has \(columns)")
            }
            values += rowValues
        }
        let shape = [rows.count, columns]
        func numbers() throws(GRPCStatus) -> [Double] {
            var out: [Double] = []
            out.reserveCapacity(values.count)
            for v in values {
                guard case .number(let n) = v else {
                    throw GRPCStatus(.invalidArgument, "input '\(info.name)' is \(KServeV2.dataTypeName(type)); a bytes_list feature cannot fill it")
                }
                out.append(n)
            }
            return out
        }
        switch type {
        case .float: return NamedTensor(info.name, Tensor(shape: shape, floats: try numbers().map { Float($0) }))
        case .double: return NamedTensor(info.name, Tensor(shape: shape, doubles: try numbers()))
        case .int64: return NamedTensor(info.name, Tensor(shape: shape, int64s: try numbers().map { Int64($0) }))
        case .int32: return NamedTensor(info.name, Tensor(shape: shape, int32s: try numbers().map { Int32(clamping: Int64($0)) }))
        case .bool: return NamedTensor(info.name, Tensor(shape: shape, bools: try numbers().map { $0 != 0 }))
        case .string:
            return NamedTensor(info.name, Tensor(shape: shape, strings: values.map { v in
                switch v {
                case .string(let s): return s
                case .number(let n): return n.description
                }
            }))
        }
    }

    /// Every class and its probability, one list per example.
    static func classificationResponse(_ p: PredictResponse, _ meta: GetModelMetadataResponse) throws(GRPCStatus) -> [UInt8] {
        guard let zip = LogicalOutput.group(p.outputs).first(where: { $0.labels != nil }),
              let names = zip.classNames(classLabels: meta.classLabels) else {
            throw GRPCStatus(.internal, "model '\(meta.modelSpec.name)' answered without class probabilities")
        }
        var arena = BumpArena()
        var lists: [UnsafeMutablePointer<Tensorflow__Serving__Classifications>] = []
        for r in 0..<zip.rows {
            let classes = names.enumerated().map { c, name in
                let cls = arena.message(Tensorflow__Serving__Class.self, tensorflow__serving__class__init)
                cls.pointee.label = arena.cString(name)
                cls.pointee.score = Self.floatValue(zip.tensor.storage, r * names.count + c)
                return cls
            }
            let list = arena.message(Tensorflow__Serving__Classifications.self, tensorflow__serving__classifications__init)
            list.pointee.n_classes = classes.count
            list.pointee.classes = arena.pointers(classes)
            lists.append(list)
        }
        let result = arena.message(Tensorflow__Serving__ClassificationResult.self, tensorflow__serving__classification_result__init)
        result.pointee.n_classifications = lists.count
        result.pointee.classifications = arena.pointers(lists)
        let response = arena.message(Tensorflow__Serving__ClassificationResponse.self, tensorflow__serving__classification_response__init)
        response.pointee.model_spec = responseSpec(p.modelSpec, arena: &arena)
        response.pointee.result = result
        return ProtobufMessages.packed(response)
    }

    /// The first output's value per example.
    static func regressionResponse(_ p: PredictResponse) throws(GRPCStatus) -> [UInt8] {
        guard let first = p.outputs.first else { throw GRPCStatus(.internal, "the model answered without outputs") }
        let rows = first.tensor.rank == 0 ? 1 : first.tensor.shape[0]
        guard first.tensor.count == rows else {
            throw GRPCStatus(.invalidArgument, "output '\(first.name)' has \(first.tensor.count / max(rows, 1)) values per example; Regress answers one, use Predict")
        }
        var arena = BumpArena()
        let regressions = (0..<rows).map { r in
            let regression = arena.message(Tensorflow__Serving__Regression.self, tensorflow__serving__regression__init)
            regression.pointee.value = Self.floatValue(first.tensor.storage, r)
            return regression
        }
        let result = arena.message(Tensorflow__Serving__RegressionResult.self, tensorflow__serving__regression_result__init)
        result.pointee.n_regressions = regressions.count
        result.pointee.regressions = arena.pointers(regressions)
        let response = arena.message(Tensorflow__Serving__RegressionResponse.self, tensorflow__serving__regression_response__init)
        response.pointee.model_spec = responseSpec(p.modelSpec, arena: &arena)
        response.pointee.result = result
        return ProtobufMessages.packed(response)
    }

    private static func floatValue(_ storage: TensorStorage, _ i: Int) -> Float {
        switch storage {
        case .float(let v): return v[i]
        case .double(let v): return Float(v[i])
        case .int64(let v): return Float(v[i])
        case .int32(let v): return Float(v[i])
        case .bool(let v): return v[i] ? 1 : 0
        case .string: return .nan
        }
    }
}
