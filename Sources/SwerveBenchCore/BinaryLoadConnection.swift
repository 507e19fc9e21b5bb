import TLS
import Transport
import Wire

/// One binary-protocol connection of the load: a ``FrameClient`` with
/// responses matched by request id (so the server may answer out of order),
/// many requests in flight. Loop-thread only.
final class BinaryLoadConnection: LoadConnection {
    unowned let worker: LoadWorker
    let client: FrameClient
    /// Encoded requests without id, indexed by `WorkloadKind.index`.
    private let templates: [[[UInt8]]]
    private let token: String?
    private let rowsPerRequest: Int
    private let pollInterval: Duration
    private var nextID: UInt64 = 1
    private var cursor = 0
    private(set) var inFlight = 0
    private(set) var isUsable = true

    init(worker: LoadWorker, host: String, port: Int, templates: RequestTemplates, timeout: Duration, pollInterval: Duration,
         tls: TLSClientContext? = nil) {
        self.worker = worker
        var options = FrameClient.Options()
        options.transforms = tls
        options.requestTimeout = timeout
        options.correlation = .byID(EnvelopeID.peek)
        client = FrameClient(host: host, port: port, loop: worker.loop, options: options)
        self.templates = WorkloadKind.allCases.map { templates.binary[$0] ?? [] }
        token = templates.token
        rowsPerRequest = templates.batch
        self.pollInterval = pollInterval
    }

    func issue(kind: WorkloadKind, origin: UInt64, measured: Bool) {
        inFlight += 1
        let list = templates[kind.index]
        let id = nextID
        nextID &+= 1
        let payload = EnvelopeID.appending(id: id, to: list[cursor % list.count])
        cursor &+= 1
        switch kind {
        case .predict, .fanout:
            client.call(payload, id: id) { [weak self] result in
                guard let self else { return }
                self.done(kind, origin, measured, self.predictOutcome(result))
            }
        case .submit:
            client.call(payload, id: id) { [weak self] result in
                self?.submitted(result, origin: origin, measured: measured)
            }
        }
    }

    func close() {
        isUsable = false
        client.close()
    }

    private func done(_ kind: WorkloadKind, _ origin: UInt64, _ measured: Bool, _ outcome: RequestOutcome) {
        inFlight -= 1
        worker.finished(self, kind: kind, origin: origin, measured: measured, outcome: outcome)
    }

    private func predictOutcome(_ result: Result<[UInt8], Error>) -> RequestOutcome {
        switch result {
        case .success(let payload):
            let scanned = payload.withUnsafeBytes { EnvelopeID.peekIDAndStatusCode($0) }
            guard let scanned else { return .error(code: "BAD_RESPONSE", message: "a response is not a protobuf Response") }
            if scanned.code == 0 { return .ok(rows: rowsPerRequest) }
            return errorOutcome(payload, code: scanned.code)
        case .failure(let error):
            return transportOutcome(error)
        }
    }

    /// The status name, plus the server's message (decoded only for errors).
    private func errorOutcome(_ payload: [UInt8], code: Int32) -> RequestOutcome {
        let name = StatusCode(rawValue: code)?.protoName ?? "CODE_\(code)"
        let message = try? payload.withUnsafeBytes { ProtobufCodec.decodeResponse($0) }.get().status.message
        return .error(code: name, message: message)
    }

    private func transportOutcome(_ error: Error) -> RequestOutcome {
        switch error as? TransportError {
        case .timedOut?:
            return .error(code: "TIMEOUT", message: "\(error)")
        case .connectionClosed?, .notConnected?, .framing?, .shutDown?:
            isUsable = false
            return .error(code: "CONNECTION_CLOSED", message: "\(error)")
        default:
            isUsable = false
            return .error(code: "TRANSPORT_ERROR", message: "\(error)")
        }
    }

    // MARK: Submit, then poll

    private func decode(_ result: Result<[UInt8], Error>) -> Result<Response.CallResult, RequestOutcomeError> {
        switch result {
        case .failure(let error):
            return .failure(RequestOutcomeError(outcome: transportOutcome(error)))
        case .success(let payload):
            switch payload.withUnsafeBytes({ ProtobufCodec.decodeResponse($0) }) {
            case .failure(let error):
                return .failure(RequestOutcomeError(outcome: .error(code: "BAD_RESPONSE", message: error.message)))
            case .success(let response):
                guard response.status.isOK else {
                    return .failure(RequestOutcomeError(outcome: .error(code: response.status.code.protoName, message: response.status.message)))
                }
                guard let result = response.result else {
                    return .failure(RequestOutcomeError(outcome: .error(code: "BAD_RESPONSE", message: "OK response without a result")))
                }
                return .success(result)
            }
        }
    }

    private func submitted(_ result: Result<[UInt8], Error>, origin: UInt64, measured: Bool) {
        switch decode(result) {
        case .failure(let failure):
            done(.submit, origin, measured, failure.outcome)
        case .success(.submit(let response)):
            poll(jobID: response.jobId, origin: origin, measured: measured)
        case .success:
            done(.submit, origin, measured, .error(code: "BAD_RESPONSE", message: "submit answered with another result"))
        }
    }

    private func poll(jobID: String, origin: UInt64, measured: Bool) {
        guard isUsable else {
            done(.submit, origin, measured, .error(code: "CONNECTION_CLOSED", message: "connection closed while polling job \(jobID)"))
            return
        }
        let id = nextID
        nextID &+= 1
        client.call(RequestTemplates.getJob(jobID, id: id, token: token), id: id) { [weak self] result in
            self?.polled(result, jobID: jobID, origin: origin, measured: measured)
        }
    }

    private func polled(_ result: Result<[UInt8], Error>, jobID: String, origin: UInt64, measured: Bool) {
        switch decode(result) {
        case .failure(let failure):
            done(.submit, origin, measured, failure.outcome)
        case .success(.getJob(let job)):
            switch job.state {
            case .completed:
                done(.submit, origin, measured, .ok(rows: rowsPerRequest))
            case .failed:
                let code = job.error?.code.protoName ?? "UNKNOWN"
                done(.submit, origin, measured, .error(code: "JOB_FAILED_\(code)", message: job.error?.message))
            case .pending, .processing, .unspecified:
                if pollInterval == .zero {
                    poll(jobID: jobID, origin: origin, measured: measured)
                } else {
                    worker.loop.schedule(after: pollInterval) { [weak self] in
                        self?.poll(jobID: jobID, origin: origin, measured: measured)
                    }
                }
            }
        case .success:
            done(.submit, origin, measured, .error(code: "BAD_RESPONSE", message: "get_job answered with another result"))
        }
    }
}

/// Carries a finished request's outcome through a `Result`.
struct RequestOutcomeError: Error {
    let outcome: RequestOutcome
}
