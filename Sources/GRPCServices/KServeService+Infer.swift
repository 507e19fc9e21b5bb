import CGRPCServiceProto
import GRPC
import ModelRuntime
import Primitives
import Wire

/// ModelInfer: inputs as typed `contents` or `raw_input_contents` (what
/// `tritonclient.grpc` sends by default); outputs always as
/// `raw_output_contents`, as Triton answers and tritonclient reads them.
extension KServeService {
    /// A translated ModelInfer request: the Predict and what to echo.
    struct InferCall: Sendable {
        var predict: PredictRequest
        /// Requested output names in the caller's order; nil = every output.
        var outputs: [String]?
        var id: String
    }

    func modelInfer(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        do throws(GRPCStatus) {
            let call = try ProtobufMessages.withUnpacked(bytes, as: "inference.ModelInferRequest",
                                                         unpack: inference__model_infer_request__unpack,
                                                         free: inference__model_infer_request__free_unpacked, Self.inferCall)
            calls.run(.predict(call.predict), context, responder) { result throws(GRPCStatus) in
                guard case .predict(let p) = result else { throw ServingCalls.unexpected("ModelInfer") }
                return Self.inferResponse(p, call)
            }
        } catch {
            responder.fail(error)
        }
    }

    static func inferCall(_ request: UnsafeMutablePointer<Inference__ModelInferRequest>) throws(GRPCStatus) -> InferCall {
        let r = request.pointee
        let spec = try spec(r.model_name, r.model_version)
        let rawCount = r.n_raw_input_contents
        guard rawCount == 0 || rawCount == r.n_inputs else {
            throw GRPCStatus(.invalidArgument, "raw_input_contents has \(rawCount) entries for \(r.n_inputs) inputs; send one per input or none")
        }
        var inputs: [NamedTensor] = []
        inputs.reserveCapacity(r.n_inputs)
        for i in 0..<r.n_inputs {
            guard let input = r.inputs[i]?.pointee else { continue }
            let name = ProtobufMessages.string(input.name)
            let typeName = ProtobufMessages.string(input.datatype)
            guard let type = KServeV2.elementType(named: typeName) else {
                throw GRPCStatus(.invalidArgument, "input '\(name)': datatype '\(typeName.prefix(20))' is not supported; use \(KServeV2.supportedDataTypes)")
            }
            let shape = try Self.shape(input.shape, input.n_shape, input: name)
            let count = try Self.elementCount(shape, input: name)
            let tensor: Tensor
            if rawCount > 0 {
                if let contents = input.contents, Self.valueCount(contents.pointee) > 0 {
                    throw GRPCStatus(.invalidArgument, "input '\(name)' has both contents and raw_input_contents; send one")
                }
                let raw = r.raw_input_contents[i]
                do {
                    tensor = try RawTensorBytes.tensor(UnsafeRawBufferPointer(start: raw.data, count: raw.len), type: type, shape: shape,
                                                       count: count, name: name, source: "raw_input_contents[\(i)] byte count")
                } catch {
                    throw GRPCStatus(.invalidArgument, error.description)
                }
            } else {
                tensor = try Self.typedTensor(input.contents?.pointee, type: type, shape: shape, count: count, input: name)
            }
            inputs.append(NamedTensor(name, tensor))
        }
        var call = InferCall(predict: PredictRequest(modelSpec: spec, inputs: inputs, tensorEncoding: rawCount > 0 ? .raw : .typed),
                             outputs: nil, id: ProtobufMessages.string(r.id))
        if r.n_outputs > 0 {
            var names: [String] = []
            var filter: [String] = []
            for i in 0..<r.n_outputs {
                let name = ProtobufMessages.string(r.outputs[i]?.pointee.name)
                names.append(name)
                // `X:labels` travels with its ZipMap output `X`.
                let base = name.hasSuffix(NamedTensor.labelsSuffix) ? String(name.dropLast(NamedTensor.labelsSuffix.count)) : name
                if !filter.contains(base) { filter.append(base) }
            }
            call.outputs = names
            call.predict.outputFilter = filter
        }
        return call
    }

    static func shape(_ dims: UnsafeMutablePointer<Int64>?, _ count: Int, input: String) throws(GRPCStatus) -> [Int] {
        var shape: [Int] = []
        shape.reserveCapacity(count)
        for j in 0..<count {
            let d = dims![j]
            guard d >= 0, d <= Int64(Int32.max) else {
                throw GRPCStatus(.invalidArgument, "input '\(input)': shape \((0..<count).map { dims![$0] }) must hold non-negative dimensions")
            }
            shape.append(Int(d))
        }
        return shape
    }

    /// The elements a shape holds; one past ``TensorShapeLimit`` is refused
    /// before anything of that size is allocated.
    static func elementCount(_ shape: [Int], input: String) throws(GRPCStatus) -> Int {
        guard let count = TensorShapeLimit.elementCount(shape) else {
            throw GRPCStatus(.invalidArgument, "input '\(input)': shape \(shape) is too large (more than \(TensorShapeLimit.maxElements) elements)")
        }
        return count
    }

    private static func valueCount(_ c: Inference__InferTensorContents) -> Int {
        c.n_bool_contents + c.n_int_contents + c.n_int64_contents + c.n_uint_contents + c.n_uint64_contents
            + c.n_fp32_contents + c.n_fp64_contents + c.n_bytes_contents
    }

    /// The tensor in the `contents` field for `type`.
    static func typedTensor(_ contents: Inference__InferTensorContents?, type: ElementType, shape: [Int], count: Int,
                            input: String) throws(GRPCStatus) -> Tensor {
        let c = contents ?? Inference__InferTensorContents()
        func check(_ n: Int, _ field: String) throws(GRPCStatus) {
            guard n == count else {
                throw GRPCStatus(.invalidArgument, "input '\(input)': \(field) has \(n) values but shape \(shape) needs \(count)")
            }
        }
        func array<T>(_ p: UnsafeMutablePointer<T>?, _ n: Int) -> [T] {
            n == 0 ? [] : Array(UnsafeBufferPointer(start: p, count: n))
        }
        switch type {
        case .float:
            try check(c.n_fp32_contents, "fp32_contents")
            return Tensor(shape: shape, floats: array(c.fp32_contents, count))
        case .double:
            try check(c.n_fp64_contents, "fp64_contents")
            return Tensor(shape: shape, doubles: array(c.fp64_contents, count))
        case .int64:
            try check(c.n_int64_contents, "int64_contents")
            return Tensor(shape: shape, int64s: array(c.int64_contents, count))
        case .int32:
            try check(c.n_int_contents, "int_contents")
            return Tensor(shape: shape, int32s: array(c.int_contents, count))
        case .bool:
            try check(c.n_bool_contents, "bool_contents")
            return Tensor(shape: shape, bools: array(c.bool_contents, count).map { $0 != 0 })
        case .string:
            try check(c.n_bytes_contents, "bytes_contents")
            var strings: [String] = []
            strings.reserveCapacity(count)
            for j in 0..<count {
                let b = c.bytes_contents[j]
                guard let s = String(validating: UnsafeRawBufferPointer(start: b.data, count: b.len), as: UTF8.self) else {
                    throw GRPCStatus(.invalidArgument, "input '\(input)': bytes_contents[\(j)] is not valid UTF-8")
                }
                strings.append(s)
            }
            return Tensor(shape: shape, strings: strings)
        }
    }

    static func inferResponse(_ p: PredictResponse, _ call: InferCall) -> [UInt8] {
        var arena = BumpArena()
        let response = arena.message(Inference__ModelInferResponse.self, inference__model_infer_response__init)
        response.pointee.model_name = arena.cString(p.modelSpec.name)
        response.pointee.model_version = arena.cString(p.modelSpec.version.map(String.init) ?? "")
        response.pointee.id = arena.cString(call.id)
        var outputs: [UnsafeMutablePointer<Inference__ModelInferResponse__InferOutputTensor>] = []
        var raw: [ProtobufCBinaryData] = []
        for o in p.outputs where call.outputs?.contains(o.name) ?? true {
            let t = arena.message(Inference__ModelInferResponse__InferOutputTensor.self,
                                  inference__model_infer_response__infer_output_tensor__init)
            t.pointee.name = arena.cString(o.name)
            t.pointee.datatype = arena.cString(KServeV2.dataTypeName(o.tensor.elementType))
            let shape = o.tensor.shape.map(Int64.init)
            t.pointee.n_shape = shape.count
            t.pointee.shape = arena.copy(shape)
            outputs.append(t)
            var bytes: [UInt8] = []
            RawTensorBytes.append(o.tensor, to: &bytes)
            raw.append(arena.binary(bytes))
        }
        response.pointee.n_outputs = outputs.count
        response.pointee.outputs = arena.pointers(outputs)
        response.pointee.n_raw_output_contents = raw.count
        response.pointee.raw_output_contents = arena.copy(raw)
        return ProtobufMessages.packed(response)
    }
}
