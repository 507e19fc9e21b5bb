import TextFormats
import ModelRuntime
import Wire

/// The classic pattern's endpoints on the default model: `/health`,
/// `/health/all`, `/metadata`, `/predict`, `/predict/label`, `/submit`,
/// `/job/{id}`.
extension Router {
    func routeClassic(_ s: [String], _ request: HTTPRequest, _ respond: TimedRespond) {
        let spec = ModelSpec(name: options.defaultModel)
        switch s {
        case ["health"]:
            only(.get, "GET", request, respond) { classicHealth(request, respond) }
        case ["health", "all"]:
            only(.get, "GET", request, respond) { classicHealthAll(request, respond) }
        case ["metadata"]:
            only(.get, "GET", request, respond) { classicMetadata(spec, request, respond) }
        case ["predict"]:
            only(.post, "POST", request, respond) { classicPredict(spec, request, respond, format: .classic) }
        case ["predict", "label"]:
            only(.post, "POST", request, respond) { classicPredict(spec, request, respond, format: .classicLabel) }
        case ["submit"]:
            only(.post, "POST", request, respond) { submit(spec, request, respond, format: .classic) }
        case _ where s.count == 2 && s[0] == "job":
            only(.get, "GET", request, respond) { getJob(s[1], request, respond, format: .classic) }
        default:
            respond.notFound(request)
        }
    }

    /// `{"data": [[…], …]}`: rows for the model's single input.
    static func classicInputs(_ body: JSON, _ meta: GetModelMetadataResponse) throws(TranslationError) -> [NamedTensor] {
        guard let data = body["data"] else {
            throw TranslationError("the body must be an object with 'data': a list of rows, e.g. {\"data\": [[5.1, 3.5, 1.4, 0.2]]}")
        }
        return try rowInputs(data, meta)
    }

    private func classicPredict(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond, format: PredictFormat) {
        let body: JSON
        switch parseBody(request) {
        case .success(let b): body = b
        case .failure(let r): return respond(r, route: "classic_predict", model: spec.name)
        }
        let route = format == .classic ? "classic_predict" : "classic_predict_label"
        predict(spec, context: request.context, respond: respond, route: route) { meta throws(TranslationError) in
            PredictRequest(modelSpec: spec, inputs: try Self.classicInputs(body, meta))
        } format: { response, meta in
            Self.predictBody(response, format: format, meta: meta)
        }
    }

    /// `prediction`: the probabilities (one list per row, in label order)
    /// when the model has a ZipMap output, else its first output.
    static func writeClassic(_ outputs: [LogicalOutput], to w: inout JSONWriter) {
        if let probabilities = outputs.first(where: { $0.labels != nil }) {
            TensorJSON.write(probabilities.tensor, to: &w)
        } else if let first = outputs.first {
            TensorJSON.write(first.tensor, to: &w)
        } else {
            w.raw("[]")
        }
    }

    /// `{"label", "proba"}` for the most probable class of each row (an
    /// object for one row, a list for several). The label is the class name
    /// from the model's config.json `labels` when it has one for that class
    /// id, else the ZipMap label itself.
    static func writeClassicLabel(_ outputs: [LogicalOutput], meta: GetModelMetadataResponse, to w: inout JSONWriter) {
        guard let zip = outputs.first(where: { $0.labels != nil }), let labels = zip.labels, zip.tensor.rank == 2,
              zip.tensor.shape[1] > 0, labels.count == zip.tensor.shape[1],
              case .float(let p) = zip.tensor.storage else {
            // A fan-out model aggregated with best_label already answers
            // `label` and its `probability`, one per row.
            if let label = outputs.first(where: { $0.name == "label" })?.tensor,
               let probability = outputs.first(where: { $0.name == "probability" })?.tensor,
               label.rank == 1, probability.rank == 1, label.count == probability.count {
                return writeLabelRows(label, probability, to: &w)
            }
            return writeClassic(outputs, to: &w)
        }
        let rows = zip.tensor.shape[0]
        let classes = zip.tensor.shape[1]
        if rows != 1 { w.byte(UInt8(ascii: "[")) }
        for r in 0..<rows {
            if r > 0 { w.byte(UInt8(ascii: ",")) }
            var best = 0
            for c in 1..<classes where p[r * classes + c] > p[r * classes + best] { best = c }
            w.raw("{\"label\":")
            w.string(className(labels, best, meta: meta))
            w.raw(",\"proba\":")
            w.float(p[r * classes + best])
            w.byte(UInt8(ascii: "}"))
        }
        if rows != 1 { w.byte(UInt8(ascii: "]")) }
    }

    /// The name of class `index` of a ZipMap output: config.json's label
    /// for that class id when it has one, else the ZipMap label itself.
    static func className(_ labels: Tensor, _ index: Int, meta: GetModelMetadataResponse) -> String {
        LogicalOutput.className(labels, index, classLabels: meta.classLabels)
    }

    private static func writeLabelRows(_ label: Tensor, _ probability: Tensor, to w: inout JSONWriter) {
        let rows = label.count
        if rows != 1 { w.byte(UInt8(ascii: "[")) }
        for r in 0..<rows {
            if r > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"label\":")
            TensorJSON.writeElement(label.storage, r, to: &w)
            w.raw(",\"proba\":")
            TensorJSON.writeElement(probability.storage, r, to: &w)
            w.byte(UInt8(ascii: "}"))
        }
        if rows != 1 { w.byte(UInt8(ascii: "]")) }
    }

    private func classicHealth(_ request: HTTPRequest, _ respond: TimedRespond) {
        call(.health(HealthRequest()), context: request.context) { response in
            guard case .health(let h)? = response.result else { return respond(Self.failure(response.status), route: "health") }
            var w = JSONWriter()
            w.raw("{\"status\":")
            w.string(h.serving ? "healthy" : "loading")
            w.raw(",\"version\":")
            w.string(h.version)
            w.raw(",\"models_available\":")
            w.int(Int64(h.modelsAvailable))
            w.raw(",\"models_total\":")
            w.int(Int64(h.modelsTotal))
            w.byte(UInt8(ascii: "}"))
            respond(HTTPResponse(status: h.serving ? 200 : 503, body: w.bytes), route: "health")
        }
    }

    /// Every model of the repository and its best version state, and, when
    /// a ``MemberHealthSource`` is set, every fan-out member service; 200
    /// when all models have an AVAILABLE version and all members are
    /// healthy, else 503.
    private func classicHealthAll(_ request: HTTPRequest, _ respond: TimedRespond) {
        call(.listModels(ListModelsRequest()), context: request.context) { [self] response in
            guard case .listModels(let list)? = response.result else { return respond(Self.failure(response.status), route: "health_all") }
            guard let members else { return respond(Self.healthAll(list, members: nil), route: "health_all") }
            members.memberHealth { respond(Self.healthAll(list, members: $0), route: "health_all") }
        }
    }

    static func healthAll(_ list: ListModelsResponse, members: [MemberHealth]?) -> HTTPResponse {
        var all = true
        var w = JSONWriter(capacity: 256)
        w.raw("{\"models\":{")
        for (i, model) in list.models.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            let available = model.versions.contains { $0.state == .available }
            all = all && available
            w.key(model.name)
            w.raw("{\"status\":")
            w.string(available ? "healthy" : "unavailable")
            w.raw(",\"versions\":{")
            for (j, v) in model.versions.enumerated() {
                if j > 0 { w.byte(UInt8(ascii: ",")) }
                w.key(String(v.version))
                w.string(stateName(v.state))
            }
            w.raw("}}")
        }
        w.byte(UInt8(ascii: "}"))
        if let members {
            w.raw(",\"members\":[")
            for (i, m) in members.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                all = all && m.healthy
                w.raw("{\"model\":")
                w.string(m.model)
                w.raw(",\"member\":")
                w.string(m.member)
                w.raw(",\"address\":")
                w.string(m.address)
                w.raw(",\"status\":")
                w.string(m.healthy ? "healthy" : "unhealthy")
                if !m.message.isEmpty {
                    w.raw(",\"error\":")
                    w.string(m.message)
                }
                w.byte(UInt8(ascii: "}"))
            }
            w.byte(UInt8(ascii: "]"))
        }
        w.raw(",\"status\":")
        w.string(all ? "healthy" : "degraded")
        w.byte(UInt8(ascii: "}"))
        return HTTPResponse(status: all ? 200 : 503, body: w.bytes)
    }

    private func classicMetadata(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        call(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), context: request.context) { response in
            guard response.status.isOK, case .getModelMetadata(let m)? = response.result else {
                return respond(Self.failure(response.status), route: "metadata", model: spec.name)
            }
            var w = JSONWriter(capacity: 512)
            w.raw("{\"model_name\":")
            w.string(m.modelSpec.name)
            w.raw(",\"model_version\":")
            w.int(m.modelSpec.version ?? 0)
            w.raw(",\"metadata\":")
            Self.writeSwerveMetadata(m, to: &w)
            w.byte(UInt8(ascii: "}"))
            respond(HTTPResponse(status: 200, body: w.bytes), route: "metadata", model: spec.name,
                    version: m.modelSpec.version.map(String.init) ?? "")
        }
    }
}
