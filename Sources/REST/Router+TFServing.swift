import TextFormats
import ModelRuntime
import Wire

/// TF-Serving's REST API (`/v1/...`) and the job routes.
extension Router {
    func routeV1(_ s: consuming [String], _ request: HTTPRequest, _ respond: TimedRespond) {
        if s.count == 2, s[0] == "jobs" {
            return only(.get, "GET", request, respond) { getJob(s[1], request, respond, format: .tfServing) }
        }
        guard s.count >= 2, s[0] == "models" else { return respond.notFound(request) }
        // A verb is glued to the last segment: ".../iris:predict".
        var verb: String?
        if let colon = s[s.count - 1].lastIndex(of: ":") {
            let last = s[s.count - 1]
            verb = String(last[last.index(after: colon)...])
            s[s.count - 1] = String(last[..<colon])
        }
        let name = s[1]
        var spec = ModelSpec(name: name)
        var rest = s.dropFirst(2)
        if rest.count >= 2, rest.first == "versions" || rest.first == "labels" {
            let kind = rest.first!
            let value = rest[rest.startIndex + 1]
            if kind == "versions" {
                switch Self.version(value) {
                case .success(let v): spec.version = v
                case .failure(let r): return respond(r, route: "v1", model: name)
                }
            } else {
                spec.versionLabel = value
            }
            rest = rest.dropFirst(2)
        }
        let versionLabel = spec.version.map(String.init) ?? spec.versionLabel ?? ""
        switch (verb, Array(rest)) {
        case ("predict"?, []):
            only(.post, "POST", request, respond) { tfPredict(spec, request, respond) }
        case ("classify"?, []):
            only(.post, "POST", request, respond) { tfExamples(spec, request, respond, api: .classify) }
        case ("regress"?, []):
            only(.post, "POST", request, respond) { tfExamples(spec, request, respond, api: .regress) }
        case ("submit"?, []):
            only(.post, "POST", request, respond) { submit(spec, request, respond, format: .tfServing) }
        case (nil, []) where spec.versionLabel == nil:
            only(.get, "GET", request, respond) { tfStatus(spec, request, respond) }
        case (nil, ["metadata"]) where spec.versionLabel == nil:
            only(.get, "GET", request, respond) { tfMetadata(spec, request, respond) }
        case (let v?, _):
            respond(.error(404, "unknown method ':\(v.prefix(50))'; use :predict, :classify, :regress or :submit"), route: "not_found", model: name, version: versionLabel)
        default:
            respond.notFound(request)
        }
    }

    // MARK: Predict

    /// How a predict result is written: TF-Serving's row (`predictions`) or
    /// columnar (`outputs`) format, or the classic pattern's `prediction`.
    enum PredictFormat: Sendable {
        case rows, columns, classic, classicLabel
    }

    private func tfPredict(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        let body: JSON
        switch parseBody(request) {
        case .success(let b): body = b
        case .failure(let r): return respond(r, route: "predict", model: spec.name)
        }
        let format: PredictFormat
        switch (body["instances"], body["inputs"]) {
        case (_?, nil): format = .rows
        case (nil, _?): format = .columns
        case (_?, _?):
            return respond(.error(400, "the body has both 'instances' and 'inputs'; send one"), route: "predict", model: spec.name)
        default:
            let what = body.isObject ? "an object without 'instances' or 'inputs'" : body.kindName
            return respond(.error(400, "the body must be an object with 'instances' (row format) or 'inputs' (columnar format), got \(what)"),
                           route: "predict", model: spec.name)
        }
        let output = body["output_filter"]
        predict(spec, context: request.context, respond: respond, route: "predict") { meta throws(TranslationError) in
            let inputs = format == .rows ? try Self.rowInputs(body["instances"]!, meta)
                                         : try Self.columnInputs(body["inputs"]!, meta)
            return PredictRequest(modelSpec: spec, inputs: inputs, outputFilter: try Self.outputFilter(output))
        } format: { response, meta in
            Self.predictBody(response, format: format, meta: meta)
        }
    }

    /// Metadata (cached), then the Predict call, then the JSON answer.
    func predict(_ spec: ModelSpec, context: CallContext, respond: TimedRespond, route: String,
                 build: @escaping @Sendable (GetModelMetadataResponse) throws(TranslationError) -> PredictRequest,
                 format: @escaping @Sendable (PredictResponse, GetModelMetadataResponse) -> [UInt8]) {
        metadata(spec, context: context) { [self] result in
            let meta: GetModelMetadataResponse
            switch result {
            case .success(let m): meta = m
            case .failure(let error):
                return respond(Self.failure(error.status), route: route, model: spec.name, version: Self.label(spec))
            }
            let predictRequest: PredictRequest
            do {
                predictRequest = try build(meta)
            } catch {
                return respond(.error(400, (error as? TranslationError)?.message ?? "\(error)"), route: route, model: spec.name, version: Self.label(spec))
            }
            call(.predict(predictRequest), context: context) { response in
                guard response.status.isOK else {
                    return respond(Self.failure(response.status), route: route, model: spec.name, version: Self.label(spec))
                }
                guard case .predict(let p)? = response.result else {
                    return respond(Self.unexpected("predict"), route: route, model: spec.name)
                }
                respond(HTTPResponse(status: 200, body: format(p, meta)), route: route, model: spec.name,
                        version: p.modelSpec.version.map(String.init) ?? "")
            }
        }
    }

    static func label(_ spec: ModelSpec) -> String {
        spec.version.map(String.init) ?? spec.versionLabel ?? ""
    }

    static func elementType(_ info: TensorInfo) throws(TranslationError) -> ElementType {
        guard let t = info.dtype.elementType else {
            throw TranslationError("input '\(info.name)' has no declared element type")
        }
        return t
    }

    /// Row format: `instances` is a list with one entry per example; for a
    /// model with several inputs each entry is an object keyed by input name.
    static func rowInputs(_ instances: JSON, _ meta: GetModelMetadataResponse) throws(TranslationError) -> [NamedTensor] {
        guard case .array(let rows) = instances else {
            throw TranslationError("'instances' must be an array with one entry per example, got \(instances.kindName)")
        }
        guard let first = rows.first else { throw TranslationError("'instances' is empty; send at least one example") }
        if first.isObject {
            var result: [NamedTensor] = []
            for info in meta.inputs {
                var column: [JSON] = []
                column.reserveCapacity(rows.count)
                for (i, row) in rows.enumerated() {
                    guard row.isObject else { throw TranslationError("instance \(i) is \(row.kindName); every instance must be an object like the first") }
                    guard let v = row[info.name] else {
                        throw TranslationError("instance \(i) has no input '\(info.name)'; the model's inputs are \(meta.inputs.map(\.name))")
                    }
                    column.append(v)
                }
                result.append(NamedTensor(info.name, try TensorJSON.tensor(.array(column), type: try elementType(info), name: info.name)))
            }
            if case .object(let members) = first, let unknown = members.first(where: { m in !meta.inputs.contains { $0.name == m.0 } }) {
                throw TranslationError("instance 0 has '\(unknown.0)', which is not an input of the model; its inputs are \(meta.inputs.map(\.name))")
            }
            return result
        }
        guard meta.inputs.count == 1, let info = meta.inputs.first else {
            throw TranslationError("the model has \(meta.inputs.count) inputs \(meta.inputs.map(\.name)); each instance must be an object keyed by input name")
        }
        return [NamedTensor(info.name, try TensorJSON.tensor(instances, type: try elementType(info), name: info.name))]
    }

    /// Columnar format: `inputs` is the one input's value, or an object of
    /// input name → value.
    static func columnInputs(_ inputs: JSON, _ meta: GetModelMetadataResponse) throws(TranslationError) -> [NamedTensor] {
        if case .object(let members) = inputs {
            var result: [NamedTensor] = []
            for (name, value) in members {
                guard let info = meta.inputs.first(where: { $0.name == name }) else {
                    throw TranslationError("'\(name)' is not an input of the model; its inputs are \(meta.inputs.map(\.name))")
                }
                result.append(NamedTensor(name, try TensorJSON.tensor(value, type: try elementType(info), name: name)))
            }
            return result
        }
        guard meta.inputs.count == 1, let info = meta.inputs.first else {
            throw TranslationError("the model has \(meta.inputs.count) inputs \(meta.inputs.map(\.name)); 'inputs' must be an object keyed by input name")
        }
        return [NamedTensor(info.name, try TensorJSON.tensor(inputs, type: try elementType(info), name: info.name))]
    }

    static func outputFilter(_ value: JSON?) throws(TranslationError) -> [String] {
        guard let value else { return [] }
        guard case .array(let names) = value else { throw TranslationError("'output_filter' must be an array of output names") }
        var result: [String] = []
        for n in names {
            guard let s = n.stringValue else { throw TranslationError("'output_filter' must be an array of output names") }
            result.append(s)
        }
        return result
    }

    /// The JSON body for a successful predict in `format`.
    static func predictBody(_ response: PredictResponse, format: PredictFormat, meta: GetModelMetadataResponse) -> [UInt8] {
        let outputs = LogicalOutput.group(response.outputs)
        var w = JSONWriter(capacity: 256)
        switch format {
        case .rows:
            w.raw("{\"predictions\":")
            writeRows(outputs, to: &w)
            w.byte(UInt8(ascii: "}"))
        case .columns:
            w.raw("{\"outputs\":")
            if outputs.count == 1 {
                outputs[0].writeAll(to: &w)
            } else {
                w.byte(UInt8(ascii: "{"))
                for (i, o) in outputs.enumerated() {
                    if i > 0 { w.byte(UInt8(ascii: ",")) }
                    w.key(o.name)
                    o.writeAll(to: &w)
                }
                w.byte(UInt8(ascii: "}"))
            }
            w.byte(UInt8(ascii: "}"))
        case .classic:
            w.raw("{\"prediction\":")
            writeClassic(outputs, to: &w)
            w.byte(UInt8(ascii: "}"))
        case .classicLabel:
            w.raw("{\"prediction\":")
            writeClassicLabel(outputs, meta: meta, to: &w)
            w.byte(UInt8(ascii: "}"))
        }
        return w.bytes
    }

    /// `predictions`: one entry per row; with several outputs, each entry is
    /// an object keyed by output name.
    static func writeRows(_ outputs: [LogicalOutput], to w: inout JSONWriter) {
        let rows = outputs.map(\.rows).min() ?? 0
        w.byte(UInt8(ascii: "["))
        for r in 0..<rows {
            if r > 0 { w.byte(UInt8(ascii: ",")) }
            if outputs.count == 1 {
                outputs[0].writeRow(r, to: &w)
            } else {
                w.byte(UInt8(ascii: "{"))
                for (i, o) in outputs.enumerated() {
                    if i > 0 { w.byte(UInt8(ascii: ",")) }
                    w.key(o.name)
                    o.writeRow(r, to: &w)
                }
                w.byte(UInt8(ascii: "}"))
            }
        }
        w.byte(UInt8(ascii: "]"))
    }

    // MARK: Status and metadata

    private func tfStatus(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        call(.getModelStatus(GetModelStatusRequest(modelSpec: spec)), context: request.context) { response in
            guard response.status.isOK else {
                return respond(Self.failure(response.status), route: "model_status", model: spec.name, version: Self.label(spec))
            }
            guard case .getModelStatus(let status)? = response.result else {
                return respond(Self.unexpected("get_model_status"), route: "model_status", model: spec.name)
            }
            var w = JSONWriter()
            w.raw("{\"model_version_status\":[")
            for (i, v) in status.versions.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.raw("{\"version\":")
                w.string(String(v.version))
                w.raw(",\"state\":")
                w.string(Self.stateName(v.state))
                w.raw(",\"status\":{\"error_code\":")
                w.string(v.status.code.protoName)
                w.raw(",\"error_message\":")
                w.string(v.status.message)
                w.raw("}}")
            }
            w.raw("]}")
            respond(HTTPResponse(status: 200, body: w.bytes), route: "model_status", model: spec.name, version: Self.label(spec))
        }
    }

    private func tfMetadata(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        call(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), context: request.context) { response in
            guard response.status.isOK else {
                return respond(Self.failure(response.status), route: "model_metadata", model: spec.name, version: Self.label(spec))
            }
            guard case .getModelMetadata(let m)? = response.result else {
                return respond(Self.unexpected("get_model_metadata"), route: "model_metadata", model: spec.name)
            }
            var w = JSONWriter(capacity: 1024)
            w.raw("{\"model_spec\":{\"name\":")
            w.string(m.modelSpec.name)
            w.raw(",\"signature_name\":\"\",\"version\":")
            w.string(m.modelSpec.version.map(String.init) ?? "")
            w.raw("},\"metadata\":{\"signature_def\":{\"signature_def\":{\"serving_default\":{\"inputs\":")
            Self.writeSignature(m.inputs, to: &w)
            w.raw(",\"outputs\":")
            Self.writeSignature(m.outputs, to: &w)
            w.raw(",\"method_name\":\"tensorflow/serving/predict\"}}}},\"swerve\":")
            Self.writeSwerveMetadata(m, to: &w)
            w.byte(UInt8(ascii: "}"))
            respond(HTTPResponse(status: 200, body: w.bytes), route: "model_metadata", model: spec.name, version: Self.label(spec))
        }
    }

    private static func writeSignature(_ infos: [TensorInfo], to w: inout JSONWriter) {
        w.byte(UInt8(ascii: "{"))
        for (i, info) in infos.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.key(info.name)
            w.raw("{\"name\":")
            w.string(info.name)
            w.raw(",\"dtype\":")
            w.string(info.dtype.protoName)
            w.raw(",\"tensor_shape\":{\"dim\":[")
            for (j, d) in info.shape.enumerated() {
                if j > 0 { w.byte(UInt8(ascii: ",")) }
                w.raw("{\"size\":")
                w.string(String(d))
                w.raw(",\"name\":\"\"}")
            }
            w.raw("],\"unknown_rank\":false}}")
        }
        w.byte(UInt8(ascii: "}"))
    }

    /// What TF Serving's signature cannot say: ZipMap outputs, class labels,
    /// versions, producer, batch limit.
    static func writeSwerveMetadata(_ m: GetModelMetadataResponse, to w: inout JSONWriter) {
        w.raw("{\"inputs\":")
        writeTensorInfos(m.inputs, to: &w)
        w.raw(",\"outputs\":")
        writeTensorInfos(m.outputs, to: &w)
        w.raw(",\"class_labels\":[")
        for (i, l) in m.classLabels.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.string(l)
        }
        w.raw("],\"versions\":[")
        for (i, v) in m.versions.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.int(v)
        }
        w.raw("],\"version_labels\":{")
        for (i, (label, v)) in m.versionLabels.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.key(label)
            w.int(v)
        }
        w.raw("},\"producer\":")
        w.string(m.producer)
        w.raw(",\"max_batch_size\":")
        w.int(m.maxBatchSize)
        w.byte(UInt8(ascii: "}"))
    }

    static func writeTensorInfos(_ infos: [TensorInfo], to w: inout JSONWriter) {
        w.byte(UInt8(ascii: "["))
        for (i, info) in infos.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"name\":")
            w.string(info.name)
            w.raw(",\"dtype\":")
            w.string(info.dtype.elementType?.description ?? "invalid")
            w.raw(",\"shape\":[")
            for (j, d) in info.shape.enumerated() {
                if j > 0 { w.byte(UInt8(ascii: ",")) }
                w.int(d)
            }
            w.raw("],\"kind\":")
            w.string(info.kind.rawValue)
            if info.kind == .zipMap {
                w.raw(",\"label_dtype\":")
                w.string(info.labelDtype.elementType?.description ?? "invalid")
            }
            w.byte(UInt8(ascii: "}"))
        }
        w.byte(UInt8(ascii: "]"))
    }
}
