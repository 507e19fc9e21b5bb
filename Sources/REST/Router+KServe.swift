import TextFormats
import ModelRuntime
import Wire

/// KServe V2 / Open Inference Protocol (`/v2/...`) with JSON tensors.
extension Router {
    func routeV2(_ s: consuming [String], _ request: HTTPRequest, _ respond: TimedRespond) {
        switch s {
        case []:
            return only(.get, "GET", request, respond) { v2ServerMetadata(request, respond) }
        case ["health", "live"]:
            return only(.get, "GET", request, respond) {
                respond(HTTPResponse(status: 200, body: Array("{\"live\":true}".utf8)), route: "v2_live")
            }
        case ["health", "ready"]:
            return only(.get, "GET", request, respond) { v2ServerReady(request, respond) }
        case ["models", "stats"]:
            return only(.get, "GET", request, respond) { v2Statistics(ModelSpec(name: ""), request, respond) }
        case ["repository", "index"]:
            return only(.post, "POST", request, respond) { v2RepositoryIndex(request, respond) }
        case _ where s.count == 4 && s[0] == "repository" && s[1] == "models" && (s[3] == "load" || s[3] == "unload"):
            return only(.post, "POST", request, respond) { v2RepositoryControl(s[2], load: s[3] == "load", request, respond) }
        default:
            break
        }
        guard s.count >= 2, s[0] == "models" else { return respond.notFound(request) }
        var spec = ModelSpec(name: s[1])
        var rest = s.dropFirst(2)
        if rest.count >= 2, rest.first == "versions" {
            switch Self.version(rest[rest.startIndex + 1]) {
            case .success(let v): spec.version = v
            case .failure(let r): return respond(r, route: "v2", model: spec.name)
            }
            rest = rest.dropFirst(2)
        }
        // The one segment after the model (and version), "" for none.
        let action = rest.isEmpty ? "" : rest.count == 1 ? rest.first : nil
        switch action {
        case "": only(.get, "GET", request, respond) { v2ModelMetadata(spec, request, respond) }
        case "ready": only(.get, "GET", request, respond) { v2ModelReady(spec, request, respond) }
        case "infer": only(.post, "POST", request, respond) { v2Infer(spec, request, respond) }
        case "stats": only(.get, "GET", request, respond) { v2Statistics(spec, request, respond) }
        case "config" where spec.version == nil: only(.get, "GET", request, respond) { v2Config(spec, request, respond) }
        default: respond.notFound(request)
        }
    }

    private func v2ServerMetadata(_ request: HTTPRequest, _ respond: TimedRespond) {
        call(.health(HealthRequest()), context: request.context) { response in
            guard case .health(let h)? = response.result else { return respond(Self.failure(response.status), route: "v2_metadata") }
            var w = JSONWriter()
            w.raw("{\"name\":\"swerve\",\"version\":")
            w.string(h.version)
            w.raw(",\"extensions\":[\"binary_tensor_data\",\"model_repository\",\"statistics\",\"model_configuration\"]}")
            respond(HTTPResponse(status: 200, body: w.bytes), route: "v2_metadata")
        }
    }

    /// 200 once every model has an AVAILABLE version or has FAILED (what
    /// Health's `serving` means), else 503.
    private func v2ServerReady(_ request: HTTPRequest, _ respond: TimedRespond) {
        call(.health(HealthRequest()), context: request.context) { response in
            guard case .health(let h)? = response.result else { return respond(Self.failure(response.status), route: "v2_ready") }
            let body = h.serving ? "{\"ready\":true}" : "{\"ready\":false}"
            respond(HTTPResponse(status: h.serving ? 200 : 503, body: Array(body.utf8)), route: "v2_ready")
        }
    }

    private func v2ModelReady(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        call(.getModelStatus(GetModelStatusRequest(modelSpec: spec)), context: request.context) { response in
            guard response.status.isOK, case .getModelStatus(let status)? = response.result else {
                return respond(Self.failure(response.status), route: "v2_model_ready", model: spec.name, version: Self.label(spec))
            }
            let ready = status.versions.contains { $0.state == .available }
            var w = JSONWriter()
            w.raw("{\"name\":")
            w.string(spec.name)
            w.raw(",\"ready\":")
            w.bool(ready)
            w.byte(UInt8(ascii: "}"))
            respond(HTTPResponse(status: ready ? 200 : 503, body: w.bytes), route: "v2_model_ready", model: spec.name, version: Self.label(spec))
        }
    }

    private func v2ModelMetadata(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond) {
        call(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), context: request.context) { response in
            guard response.status.isOK, case .getModelMetadata(let m)? = response.result else {
                return respond(Self.failure(response.status), route: "v2_model_metadata", model: spec.name, version: Self.label(spec))
            }
            var w = JSONWriter(capacity: 512)
            w.raw("{\"name\":")
            w.string(m.modelSpec.name)
            w.raw(",\"versions\":[")
            let versions = spec.version.map { [$0] } ?? m.versions
            for (i, v) in versions.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.string(String(v))
            }
            w.raw("],\"platform\":\"onnxruntime_onnx\",\"inputs\":")
            Self.writeV2Infos(m.inputs, to: &w)
            w.raw(",\"outputs\":")
            Self.writeV2Infos(m.outputs, to: &w)
            w.byte(UInt8(ascii: "}"))
            respond(HTTPResponse(status: 200, body: w.bytes), route: "v2_model_metadata", model: spec.name, version: Self.label(spec))
        }
    }

    private static func writeV2Infos(_ infos: [TensorInfo], to w: inout JSONWriter) {
        w.byte(UInt8(ascii: "["))
        var first = true
        KServeV2.forEachTensor(infos) { name, type, shape in
            if !first { w.byte(UInt8(ascii: ",")) }
            first = false
            w.raw("{\"name\":")
            w.string(name)
            w.raw(",\"datatype\":")
            w.string(type.elementType.map(KServeV2.dataTypeName) ?? "BYTES")
            w.raw(",\"shape\":[")
            for (j, d) in shape.enumerated() {
                if j > 0 { w.byte(UInt8(ascii: ",")) }
                w.int(d)
            }
            w.raw("]}")
        }
        w.byte(UInt8(ascii: "]"))
    }

    static func v2Type(_ name: String, input: String) throws(TranslationError) -> ElementType {
        guard let type = KServeV2.elementType(named: name) else {
            throw TranslationError("input '\(input)': datatype '\(name.prefix(20))' is not supported; use \(KServeV2.supportedDataTypes)")
        }
        return type
    }
}
