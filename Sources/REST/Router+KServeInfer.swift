import TextFormats
import ModelRuntime
import Wire

/// KServe V2 infer, with JSON tensors or Triton's binary tensor data
/// extension (``TritonBinary``) for inputs and outputs.
extension Router {
    /// A V2 infer body translated: the Predict, which outputs to answer
    /// (nil = all) and how, and the request `id` to echo.
    struct V2InferRequest {
        var predict: PredictRequest
        /// Requested outputs and whether each is answered as binary data.
        var outputs: [(name: String, binary: Bool)]?
        /// `parameters.binary_data_output`: outputs not listed are binary.
        var binaryByDefault: Bool
        var id: JSON?

        func isBinary(_ output: String) -> Bool {
            outputs?.first(where: { $0.name == output })?.binary ?? binaryByDefault
        }
    }

    func v2Infer(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        let route = "v2_infer"
        let translated: V2InferRequest
        do {
            var json = request.body
            var binary: UnsafeRawBufferPointer?
            if let header = request.inferenceHeaderLength {
                (json, binary) = try TritonBinary.split(request.body, headerLength: header)
            }
            let body: JSON
            switch parseBody(json) {
            case .success(let b): body = b
            case .failure(let r): return respond(r, route: route, model: spec.name)
            }
            translated = try Self.v2Request(body, spec: spec, binary: binary)
        } catch {
            return respond(.error(400, error.message), route: route, model: spec.name, version: Self.label(spec))
        }
        call(.predict(translated.predict), context: request.context) { response in
            guard response.status.isOK else {
                return respond(Self.failure(response.status), route: route, model: spec.name, version: Self.label(spec))
            }
            guard case .predict(let p)? = response.result else { return respond(Self.unexpected("predict"), route: route) }
            respond(Self.v2Response(p, translated), route: route, model: spec.name, version: p.modelSpec.version.map(String.init) ?? "")
        }
    }

    /// The JSON answer, followed by the binary outputs when any was asked
    /// for as binary data (with `Inference-Header-Content-Length`).
    static func v2Response(_ p: PredictResponse, _ request: V2InferRequest) -> HTTPResponse {
        var w = JSONWriter(capacity: 512)
        var binary: [UInt8] = []
        var anyBinary = false
        w.raw("{\"model_name\":")
        w.string(p.modelSpec.name)
        w.raw(",\"model_version\":")
        w.string(p.modelSpec.version.map(String.init) ?? "")
        if let id = request.id {
            w.raw(",\"id\":")
            w.value(id)
        }
        w.raw(",\"outputs\":[")
        var first = true
        for o in p.outputs where request.outputs?.contains(where: { $0.name == o.name }) ?? true {
            if !first { w.byte(UInt8(ascii: ",")) }
            first = false
            w.raw("{\"name\":")
            w.string(o.name)
            w.raw(",\"datatype\":")
            w.string(KServeV2.dataTypeName(o.tensor.elementType))
            w.raw(",\"shape\":[")
            for (j, d) in o.tensor.shape.enumerated() {
                if j > 0 { w.byte(UInt8(ascii: ",")) }
                w.int(d)
            }
            if request.isBinary(o.name) {
                anyBinary = true
                w.raw("],\"parameters\":{\"binary_data_size\":")
                w.int(RawTensorBytes.append(o.tensor, to: &binary))
                w.raw("}}")
            } else {
                w.raw("],\"data\":")
                TensorJSON.writeFlat(o.tensor, to: &w)
                w.byte(UInt8(ascii: "}"))
            }
        }
        w.raw("]}")
        if anyBinary {
            let headerLength = w.bytes.count
            var body = w.bytes
            body.append(contentsOf: binary)
            var r = HTTPResponse(status: 200, body: body, contentType: "application/octet-stream")
            r.inferenceHeaderLength = headerLength
            return r
        }
        return HTTPResponse(status: 200, body: w.bytes)
    }

    /// Translates a V2 infer body; `binary` is what follows the JSON header
    /// when the request uses the binary extension.
    static func v2Request(_ body: JSON, spec: ModelSpec, binary: UnsafeRawBufferPointer?) throws(TranslationError) -> V2InferRequest {
        guard body.isObject else { throw TranslationError("the body must be an object with 'inputs', got \(body.kindName)") }
        guard case .array(let inputList)? = body["inputs"] else {
            throw TranslationError("'inputs' must be an array of {name, shape, datatype, data} tensors")
        }
        var inputs: [NamedTensor] = []
        var offset = 0
        for (i, input) in inputList.enumerated() {
            guard input.isObject, let name = input["name"]?.stringValue else {
                throw TranslationError("inputs[\(i)] must be an object with a string 'name'")
            }
            guard let typeName = input["datatype"]?.stringValue else {
                throw TranslationError("input '\(name)': 'datatype' (a string such as \"FP32\") is required")
            }
            let type = try v2Type(typeName, input: name)
            guard case .array(let dims)? = input["shape"] else {
                throw TranslationError("input '\(name)': 'shape' (an array of integers) is required")
            }
            var shape: [Int] = []
            for d in dims {
                guard case .number(let n) = d, let v = n.int64, v >= 0, v <= Int64(Int32.max) else {
                    throw TranslationError("input '\(name)': 'shape' must hold non-negative integers")
                }
                shape.append(Int(v))
            }
            if let size = try binaryDataSize(input["parameters"], input: name) {
                guard input["data"] == nil else {
                    throw TranslationError("input '\(name)' has both 'data' and a binary_data_size; send one")
                }
                guard let binary else {
                    throw TranslationError("input '\(name)' has a binary_data_size but the request has no Inference-Header-Content-Length header")
                }
                guard size <= binary.count - offset else {
                    throw TranslationError("input '\(name)': binary_data_size \(size) exceeds the \(binary.count - offset) bytes of binary data left after the JSON header")
                }
                let count = try TensorJSON.elementCount(shape, name: name)
                let bytes = UnsafeRawBufferPointer(rebasing: binary[offset..<offset + size])
                inputs.append(NamedTensor(name, try TritonBinary.tensor(bytes, type: type, shape: shape, count: count, name: name)))
                offset += size
                continue
            }
            guard let data = input["data"] else {
                throw TranslationError("input '\(name)': 'data' or parameters.binary_data_size is required")
            }
            inputs.append(NamedTensor(name, try TensorJSON.tensor(flat: data, shape: shape, type: type, name: name)))
        }
        if let binary, offset != binary.count {
            throw TranslationError("the body has \(binary.count) bytes after the JSON header but the inputs' binary_data_size add up to \(offset)")
        }
        var request = V2InferRequest(predict: PredictRequest(modelSpec: spec, inputs: inputs), outputs: nil,
                                     binaryByDefault: try flag(body["parameters"], "binary_data_output") ?? false)
        if let outputs = body["outputs"] {
            guard case .array(let list) = outputs else { throw TranslationError("'outputs' must be an array of {name} objects") }
            var requested: [(name: String, binary: Bool)] = []
            var filter: [String] = []
            for (i, o) in list.enumerated() {
                guard o.isObject, let name = o["name"]?.stringValue else {
                    throw TranslationError("outputs[\(i)] must be an object with a string 'name'")
                }
                requested.append((name, try flag(o["parameters"], "binary_data") ?? request.binaryByDefault))
                // `X:labels` travels with its ZipMap output `X`.
                let base = name.hasSuffix(NamedTensor.labelsSuffix) ? String(name.dropLast(NamedTensor.labelsSuffix.count)) : name
                if !filter.contains(base) { filter.append(base) }
            }
            if !requested.isEmpty { request.outputs = requested }
            request.predict.outputFilter = filter
        }
        if let value = body["id"] {
            guard case .string = value else { throw TranslationError("'id' must be a string") }
            request.id = value
        }
        return request
    }

    /// `parameters.binary_data_size`: nil when absent, else a byte count.
    private static func binaryDataSize(_ parameters: JSON?, input: String) throws(TranslationError) -> Int? {
        guard let value = parameters?["binary_data_size"] else { return nil }
        guard case .number(let n) = value, let size = n.int64, size >= 0, size <= Int64(Int32.max) else {
            let shown = if case .number(let n) = value { n.text.prefix(40) } else { Substring(value.kindName) }
            throw TranslationError("input '\(input)': binary_data_size \(shown) is not a byte count (a non-negative integer below 2^31)")
        }
        return Int(size)
    }

    /// A boolean parameter: nil when absent; anything but true/false is refused.
    private static func flag(_ parameters: JSON?, _ key: String) throws(TranslationError) -> Bool? {
        guard let value = parameters?[key] else { return nil }
        guard case .bool(let b) = value else { throw TranslationError("parameter '\(key)' must be true or false, got \(value.kindName)") }
        return b
    }
}
