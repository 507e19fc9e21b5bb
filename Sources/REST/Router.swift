import Auth
import Primitives
import TextFormats
import Logging
import Transport
import Wire

/// Maps each HTTP request to one route, translates it into `Wire.Request`
/// calls on the ``CallHandler`` and the answers back into JSON.
///
/// Paths are split on `/` first and each segment percent-decoded after, so
/// an encoded slash stays inside its segment. Model names taken from a path
/// are only ever sent as `ModelSpec.name` and looked up in the repository's
/// in-memory map; they never become file paths, so `..` or `%2F` can only
/// produce "model not found".
///
/// Thread-safety: immutable apart from the metadata cache (locked); called
/// on any loop thread.
final class Router: Sendable {
    let handler: any CallHandler
    let options: RESTServer.Options
    let metrics: RESTMetrics
    let logger: Logger
    let members: (any MemberHealthSource)?
    /// Tokens and rate limits; nil admits every call.
    let gate: AccessGate?
    let metadataCache = Locked([String: (response: GetModelMetadataResponse, expires: ContinuousClock.Instant)]())

    init(handler: any CallHandler, options: RESTServer.Options, metrics: RESTMetrics,
         members: (any MemberHealthSource)? = nil, gate: AccessGate? = nil, logger: Logger) {
        self.handler = handler
        self.gate = gate
        self.members = members
        self.options = options
        self.metrics = metrics
        self.logger = logger
    }

    typealias Respond = @Sendable (HTTPResponse) -> Void

    /// Routes one request; `respond` runs exactly once, inline or later on
    /// any thread.
    func route(_ request: HTTPRequest, respond: @escaping Respond) {
        guard request.path.first == "/" else {
            return respond(.error(400, "request target '\(request.path.prefix(100))' must be an absolute path"))
        }
        var segments: [String] = []
        segments.reserveCapacity(6)
        // Split on bytes (no Character breaking), then decode each segment.
        let path = request.path.utf8
        var start = path.index(after: path.startIndex)
        while true {
            let end = path[start...].firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex
            let raw = path[start..<end]
            guard let decoded = Self.percentDecode(raw) else {
                return respond(.error(400, "path segment '\(String(decoding: raw.prefix(100), as: UTF8.self))' has an invalid percent-encoding"))
            }
            segments.append(decoded)
            if end == path.endIndex { break }
            start = path.index(after: end)
        }
        // A trailing slash is tolerated ("/v2/health/ready/").
        if segments.count > 1, segments.last == "" { segments.removeLast() }
        let timer = RequestTimer(router: self)
        dispatch(segments, request, timer.wrap(respond))
    }

    // `consuming`: the segments move down to the route that reads them, which
    // may edit them in place without copying.
    private func dispatch(_ s: consuming [String], _ request: HTTPRequest, _ respond: TimedRespond) {
        switch s.first {
        case "v1":
            s.removeFirst()
            return routeV1(s, request, respond)
        case "v2":
            s.removeFirst()
            return routeV2(s, request, respond)
        case "metrics":
            if s.count == 1 { return only(.get, "GET", request, respond) { self.metricsPage(request, respond) } }
        case "monitoring":
            if s == ["monitoring", "prometheus", "metrics"] {
                return only(.get, "GET", request, respond) { self.metricsPage(request, respond) }
            }
        default:
            return routeClassic(s, request, respond)
        }
        respond.notFound(request)
    }

    // MARK: Helpers for routes

    /// Runs `body` when the method is the one the route accepts, else 405.
    func only(_ method: HTTPMethod, _ allow: StaticString, _ request: HTTPRequest, _ respond: TimedRespond, _ body: () -> Void) {
        guard request.method == method else {
            var r = HTTPResponse.error(405, "\(request.path.prefix(200)) accepts only \(allow)")
            r.allow = allow
            return respond(r, route: "method_not_allowed")
        }
        // A body announced by Inference-Header-Content-Length is Triton's
        // binary extension whatever its type; the infer route reads it.
        if method == .post, request.inferenceHeaderLength == nil, let type = request.contentType, !Self.isReadAsJSON(type) {
            return respond(.error(415, "Content-Type '\(type.prefix(100))' is not supported; send application/json"),
                           route: "unsupported_media_type")
        }
        body()
    }

    static func isJSON(_ contentType: String) -> Bool {
        // The common case without splitting, trimming or lowercasing.
        if contentType == "application/json" { return true }
        let media = mediaType(contentType)
        return media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json"))
    }

    /// JSON types, and `application/x-www-form-urlencoded`: what `curl -d`
    /// sends by default, which TF Serving and Triton read as JSON too (the
    /// body parser still answers 400 for a body that is not JSON).
    static func isReadAsJSON(_ contentType: String) -> Bool {
        isJSON(contentType) || mediaType(contentType) == "application/x-www-form-urlencoded"
    }

    private static func mediaType(_ contentType: String) -> String {
        contentType.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingSpaces.lowercased() } ?? ""
    }

    /// Parses the request body as JSON (the body buffer is only valid now).
    func parseBody(_ request: HTTPRequest) -> Result<JSON, HTTPResponse> {
        parseBody(request.body)
    }

    /// Parses `body` as JSON (only valid during the router's synchronous part).
    func parseBody(_ body: UnsafeRawBufferPointer) -> Result<JSON, HTTPResponse> {
        if body.isEmpty { return .failure(.error(400, "the request body is empty; send a JSON object")) }
        do {
            return .success(try JSONParser.parse(body))
        } catch {
            return .failure(.error(400, error.description))
        }
    }

    /// Sends one call to the handler once the gate (if any) admits it; a
    /// refusal completes with UNAUTHENTICATED, PERMISSION_DENIED or RESOURCE_EXHAUSTED.
    /// - Parameter lookupFor: set for a lookup made on behalf of a later call
    ///   (input metadata for a submit): checked with that call's scope and
    ///   not counted against the rate limit, which the later call pays.
    func call(_ call: Request.Call, context: CallContext, lookupFor scope: AuthScope? = nil,
              _ completion: @escaping @Sendable (Response) -> Void) {
        if let gate, let needed = scope ?? AuthScope.required(for: call),
           let refusal = gate.admit(token: context.authToken, scope: needed, call: call.name,
                                    peer: context.peer, rateLimited: scope == nil) {
            return completion(.failure(id: 0, refusal))
        }
        let request = Request(id: 0, call: call, timeoutMs: context.timeoutMs, noCache: context.noCache,
                              authToken: context.authToken)
        handler.handle(request, deadline: request.deadline(receivedAt: .now), completion: completion)
    }

    /// The error response for a failed call: the mapped status and its message.
    static func failure(_ status: Status) -> HTTPResponse {
        failure(status, code: HTTPStatus.code(for: status.code))
    }

    /// The error response for a failed call answered with HTTP `code`: a 401
    /// names the scheme to authenticate with, a 429 when to come back.
    static func failure(_ status: Status, code: Int) -> HTTPResponse {
        var response = HTTPResponse.error(code, status.message.isEmpty ? status.code.protoName : status.message)
        if status.code == .unauthenticated { response.wwwAuthenticate = true }
        // A token bucket of at least 1/s refills within a second; queue and
        // connection limits are worth a retry after as long.
        if status.code == .resourceExhausted { response.retryAfterSeconds = 1 }
        return response
    }

    static func unexpected(_ call: String) -> HTTPResponse {
        .error(500, "\(call): the server answered with an unexpected result")
    }

    /// A version segment: a positive integer.
    static func version(_ text: String) -> Result<Int64, HTTPResponse> {
        guard let v = Int64(text), v >= 0 else {
            return .failure(.error(400, "version '\(text.prefix(100))' is not a non-negative integer"))
        }
        return .success(v)
    }

    /// Model metadata, cached for `metadataTTL` (row-format requests need
    /// the input names and types; asking on every call would double the work).
    func metadata(_ spec: ModelSpec, context: CallContext, scope: AuthScope = .predict, _ completion: @escaping @Sendable (Result<GetModelMetadataResponse, WireError>) -> Void) {
        // A cached answer skips the gate: the call it serves is checked itself.
        let key = "\(spec.name)\u{0}\(spec.version.map(String.init) ?? "")\u{0}\(spec.versionLabel ?? "")"
        let now = ContinuousClock.now
        if let cached = metadataCache.withLock({ $0[key] }), cached.expires > now {
            return completion(.success(cached.response))
        }
        call(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), context: context, lookupFor: scope) { [self] response in
            guard response.status.isOK else { return completion(.failure(WireError(response.status.code, response.status.message))) }
            guard case .getModelMetadata(let m)? = response.result else {
                return completion(.failure(WireError(.internal, "get_model_metadata: unexpected result")))
            }
            let ttl = options.metadataTTL
            metadataCache.withLock { cache in
                if cache.count > 1024 { cache.removeAll() }
                cache[key] = (m, .now + ttl)
            }
            completion(.success(m))
        }
    }

    static func percentDecode(_ s: Substring.UTF8View.SubSequence) -> String? {
        // Split from a String on an ASCII byte, so the slice is valid UTF-8 already.
        guard s.contains(UInt8(ascii: "%")) else { return String(Substring(s)) }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var it = s.makeIterator()
        while let c = it.next() {
            if c != UInt8(ascii: "%") {
                out.append(c)
                continue
            }
            guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l) else { return nil }
            out.append(hv << 4 | lv)
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    // MARK: Metrics page

    private func metricsPage(_ request: HTTPRequest, _ respond: TimedRespond) {
        if let gate, !options.metricsPublic,
           let refusal = gate.admit(token: request.authToken, scope: .metrics, call: "metrics", peer: request.peer) {
            return respond(Self.failure(refusal.status), route: "metrics")
        }
        // The caller passed the `metrics` check; the model states are part of the page.
        handler.handle(Request(id: 0, call: .listModels(ListModelsRequest())), deadline: nil) { [self] response in
            var extra = "# HELP swerve_model_version_state 1 for each model version's current state.\n"
            extra += "# TYPE swerve_model_version_state gauge\n"
            if case .listModels(let list)? = response.result {
                for model in list.models {
                    for v in model.versions {
                        extra += "swerve_model_version_state{model=\(RESTMetrics.quote(model.name)),version=\"\(v.version)\",state=\"\(Self.stateName(v.state))\"} 1\n"
                    }
                }
            }
            let text = metrics.render(extra: extra)
            respond(HTTPResponse(status: 200, body: Array(text.utf8), contentType: "text/plain; version=0.0.4; charset=utf-8"),
                    route: "metrics")
        }
    }

    static func stateName(_ state: ModelVersionStatus.State) -> String {
        switch state {
        case .unknown: return "UNKNOWN"
        case .start: return "START"
        case .loading: return "LOADING"
        case .available: return "AVAILABLE"
        case .unloading: return "UNLOADING"
        case .end: return "END"
        case .failed: return "FAILED"
        }
    }
}

/// Measures one request for the metrics and labels it.
struct RequestTimer {
    let router: Router
    let start = ContinuousClock.now

    init(router: Router) {
        self.router = router
        router.metrics.begin()
    }

    func wrap(_ respond: @escaping Router.Respond) -> TimedRespond {
        TimedRespond(respond: respond, metrics: router.metrics, start: start)
    }
}

/// A `respond` that records the request in the metrics with its route,
/// model and version labels.
struct TimedRespond: Sendable {
    let respond: Router.Respond
    let metrics: RESTMetrics
    let start: ContinuousClock.Instant

    func callAsFunction(_ response: HTTPResponse, route: String, model: String = "", version: String = "") {
        // A model that does not exist is not a label value: clients choose
        // those names, and every new one would be a new time series.
        let known = response.status != 404 && model.utf8.count <= 128
        let elapsed = start.duration(to: .now)
        let (s, atto) = elapsed.components
        metrics.end(route: route, model: known ? model : "", version: known ? version : "", status: response.status,
                    seconds: Double(s) + Double(atto) / 1e18)
        respond(response)
    }

    func notFound(_ request: HTTPRequest) {
        self(.error(404, "no route for \(request.path.prefix(200))"), route: "not_found")
    }
}
