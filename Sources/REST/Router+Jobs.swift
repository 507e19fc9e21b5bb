import TextFormats
import Wire

/// `:submit`, `/submit`, `/v1/jobs/{id}` and `/job/{id}`.
extension Router {
    enum JobFormat: Sendable { case tfServing, classic }

    /// Longest job id accepted; anything longer (or with characters no job
    /// id has) is answered 404 without asking the queue.
    static let maxJobIDLength = 128

    static func isWellFormedJobID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maxJobIDLength else { return false }
        return id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
        }
    }

    /// Queues a predict: 202 `{"job_id": …}`. The body is the `:predict`
    /// body (TF-Serving) or `{"data": …}` (classic); `Idempotency-Key`
    /// becomes the job's idempotency key.
    func submit(_ spec: ModelSpec, _ request: HTTPRequest, _ respond: TimedRespond, format: JobFormat) {
        let body: JSON
        switch parseBody(request) {
        case .success(let b): body = b
        case .failure(let r): return respond(r, route: "submit", model: spec.name)
        }
        let key = request.idempotencyKey ?? ""
        let context = request.context
        // The lookup serves the submit, so it needs the submit's scope, not predict's.
        metadata(spec, context: context, scope: .jobs) { [self] result in
            let meta: GetModelMetadataResponse
            switch result {
            case .success(let m): meta = m
            case .failure(let error): return respond(Self.failure(error.status), route: "submit", model: spec.name, version: Self.label(spec))
            }
            let predict: PredictRequest
            do {
                switch format {
                case .tfServing:
                    if let instances = body["instances"] {
                        predict = PredictRequest(modelSpec: spec, inputs: try Self.rowInputs(instances, meta))
                    } else if let inputs = body["inputs"] {
                        predict = PredictRequest(modelSpec: spec, inputs: try Self.columnInputs(inputs, meta))
                    } else {
                        throw TranslationError("the body must be an object with 'instances' or 'inputs'")
                    }
                case .classic:
                    predict = PredictRequest(modelSpec: spec, inputs: try Self.classicInputs(body, meta))
                }
            } catch {
                return respond(.error(400, (error as? TranslationError)?.message ?? "\(error)"), route: "submit", model: spec.name, version: Self.label(spec))
            }
            call(.submit(SubmitRequest(request: predict, idempotencyKey: key)), context: context) { response in
                guard response.status.isOK else {
                    return respond(Self.failure(response.status), route: "submit", model: spec.name, version: Self.label(spec))
                }
                guard case .submit(let s)? = response.result else { return respond(Self.unexpected("submit"), route: "submit") }
                var w = JSONWriter()
                w.raw("{\"job_id\":")
                w.string(s.jobId)
                w.byte(UInt8(ascii: "}"))
                respond(HTTPResponse(status: 202, body: w.bytes), route: "submit", model: spec.name, version: Self.label(spec))
            }
        }
    }

    /// `{"job_id", "status", "result", "error"}`; `result` is shaped like the
    /// synchronous answer (`predictions` rows, or the classic `prediction`).
    func getJob(_ id: String, _ request: HTTPRequest, _ respond: TimedRespond, format: JobFormat) {
        guard Self.isWellFormedJobID(id) else {
            return respond(.error(404, "job '\(id.prefix(Self.maxJobIDLength))' not found: not a well-formed job id"), route: "get_job")
        }
        call(.getJob(GetJobRequest(jobId: id)), context: request.context) { response in
            guard response.status.isOK else { return respond(Self.failure(response.status), route: "get_job") }
            guard case .getJob(let job)? = response.result else { return respond(Self.unexpected("get_job"), route: "get_job") }
            var w = JSONWriter(capacity: 256)
            w.raw("{\"job_id\":")
            w.string(job.jobId)
            w.raw(",\"status\":")
            w.string(Self.jobStateName(job.state))
            w.raw(",\"result\":")
            if job.state == .completed, let result = job.result {
                let body = Self.predictBody(result, format: format == .tfServing ? .rows : .classic,
                                            meta: GetModelMetadataResponse(modelSpec: result.modelSpec, inputs: [], outputs: []))
                w.bytes.append(contentsOf: body)
            } else {
                w.null()
            }
            w.raw(",\"error\":")
            if job.state == .failed {
                w.string(job.error.map { $0.message.isEmpty ? $0.code.protoName : $0.description } ?? "failed")
            } else {
                w.null()
            }
            w.byte(UInt8(ascii: "}"))
            respond(HTTPResponse(status: 200, body: w.bytes), route: "get_job",
                    model: job.result?.modelSpec.name ?? "", version: job.result?.modelSpec.version.map(String.init) ?? "")
        }
    }

    static func jobStateName(_ state: JobState) -> String {
        switch state {
        case .unspecified: return "unspecified"
        case .pending: return "pending"
        case .processing: return "processing"
        case .completed: return "completed"
        case .failed: return "failed"
        }
    }
}
