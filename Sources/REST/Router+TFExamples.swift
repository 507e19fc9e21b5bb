import TextFormats
import ModelRuntime
import Wire

/// TF Serving's Classify and Regress REST APIs (`:classify`, `:regress`):
/// `{"context": {…}, "examples": [{feature: value, …}, …]}`. Features map
/// onto the columns of the model's single input through config.json
/// `feature_names`; an example may instead hold the whole row under the
/// input's name.
extension Router {
    enum ExampleAPI: Sendable {
        case classify, regress

        var route: String { self == .classify ? "classify" : "regress" }
    }

    func tfExamples(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond, api: ExampleAPI) {
        let body: JSON
        switch parseBody(request) {
        case .success(let b): body = b
        case .failure(let r): return respond(r, route: api.route, model: spec.name)
        }
        guard case .array(let examples)? = body["examples"], !examples.isEmpty else {
            return respond(.error(400, "the body must be an object with 'examples': a non-empty array of {feature: value} objects"),
                           route: api.route, model: spec.name)
        }
        var context: [(String, JSON)] = []
        if let c = body["context"] {
            guard case .object(let members) = c else {
                return respond(.error(400, "'context' must be an object of feature: value, got \(c.kindName)"), route: api.route, model: spec.name)
            }
            context = members
        }
        predict(spec, context: request.context, respond: respond, route: api.route) { [context] meta throws(TranslationError) in
            try Self.checkOutputs(for: api, meta)
            return PredictRequest(modelSpec: spec, inputs: [try Self.exampleInput(examples, context: context, meta)])
        } format: { response, meta in
            api == .classify ? Self.classifyBody(response, meta: meta) : Self.regressBody(response)
        }
    }

    /// Classify needs class probabilities (a ZipMap output); Regress needs a
    /// numeric output that is not one.
    private static func checkOutputs(for api: ExampleAPI, _ meta: GetModelMetadataResponse) throws(TranslationError) {
        if let refusal = api == .classify ? meta.classifyRefusal : meta.regressRefusal { throw TranslationError(refusal) }
    }

    /// The examples as rows of the model's single input.
    static func exampleInput(_ examples: [JSON], context: [(String, JSON)], _ meta: GetModelMetadataResponse) throws(TranslationError) -> NamedTensor {
        guard meta.inputs.count == 1, let info = meta.inputs.first else {
            throw TranslationError("model '\(meta.modelSpec.name)' has \(meta.inputs.count) inputs \(meta.inputs.map(\.name)); classify and regress need a model with one input")
        }
        let features = meta.featureNames
        var rows: [JSON] = []
        rows.reserveCapacity(examples.count)
        for (i, example) in examples.enumerated() {
            guard case .object(let members) = example else {
                throw TranslationError("examples[\(i)] must be an object of feature: value, got \(example.kindName)")
            }
            func value(_ key: String) -> JSON? {
                members.first(where: { $0.0 == key })?.1 ?? context.first(where: { $0.0 == key })?.1
            }
            if let row = value(info.name) {
                rows.append(row)
                continue
            }
            guard !features.isEmpty else {
                throw TranslationError("examples[\(i)] has no '\(info.name)' and model '\(meta.modelSpec.name)' has no feature_names in its config.json; put the whole row under '\(info.name)'")
            }
            if let unknown = members.first(where: { m in !features.contains(m.0) }) {
                throw TranslationError("examples[\(i)] has feature '\(unknown.0.prefix(100))', which model '\(meta.modelSpec.name)' does not have; its features are \(features)")
            }
            var row: [JSON] = []
            row.reserveCapacity(features.count)
            for feature in features {
                guard let v = value(feature) else {
                    throw TranslationError("examples[\(i)] has no feature '\(feature)' (and 'context' does not set it); the model's features are \(features)")
                }
                // TF examples hold lists; a one-element list is the value.
                if case .array(let list) = v {
                    guard list.count == 1 else {
                        throw TranslationError("examples[\(i)] feature '\(feature)' must be one value, got a list of \(list.count)")
                    }
                    row.append(list[0])
                } else {
                    row.append(v)
                }
            }
            rows.append(.array(row))
        }
        return NamedTensor(info.name, try TensorJSON.tensor(.array(rows), type: try elementType(info), name: info.name))
    }

    /// `{"result": [[[label, score], …], …]}`: every class and its
    /// probability, one list per example.
    static func classifyBody(_ response: PredictResponse, meta: GetModelMetadataResponse) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.raw("{\"result\":[")
        if let zip = LogicalOutput.group(response.outputs).first(where: { $0.labels != nil }), let labels = zip.labels,
           zip.tensor.rank == 2, labels.count == zip.tensor.shape[1] {
            let classes = labels.count
            for r in 0..<zip.rows {
                if r > 0 { w.byte(UInt8(ascii: ",")) }
                w.byte(UInt8(ascii: "["))
                for c in 0..<classes {
                    if c > 0 { w.byte(UInt8(ascii: ",")) }
                    w.byte(UInt8(ascii: "["))
                    w.string(className(labels, c, meta: meta))
                    w.byte(UInt8(ascii: ","))
                    TensorJSON.writeElement(zip.tensor.storage, r * classes + c, to: &w)
                    w.byte(UInt8(ascii: "]"))
                }
                w.byte(UInt8(ascii: "]"))
            }
        }
        w.raw("]}")
        return w.bytes
    }

    /// `{"result": [value, …]}`: the first output's value per example.
    static func regressBody(_ response: PredictResponse) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.raw("{\"result\":")
        if let first = response.outputs.first {
            // [N, 1] and [N] give one number per example; a multi-output
            // regressor gives a list per example.
            if first.tensor.rank == 2 && first.tensor.shape[1] != 1 {
                TensorJSON.write(first.tensor, to: &w)
            } else {
                TensorJSON.writeFlat(first.tensor, to: &w)
            }
        } else {
            w.raw("[]")
        }
        w.byte(UInt8(ascii: "}"))
        return w.bytes
    }
}
