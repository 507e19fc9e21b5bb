import TLS
import Transport

/// One HTTP/1.1 keep-alive connection of the load: pre-built requests
/// pipelined on an ``HTTPLoadClient``; responses come back in request order,
/// so a FIFO of send times matches them up. Loop-thread only.
final class HTTPLoadConnection: LoadConnection {
    unowned let worker: LoadWorker
    private var client: HTTPLoadClient!
    private let requests: [[UInt8]]
    private let rowsPerRequest: Int
    private var cursor = 0
    private var origins: [UInt64] = []
    private var measuredFlags: [Bool] = []
    private var head = 0
    private(set) var isUsable = true

    var inFlight: Int { origins.count - head }

    /// Creates the connection's client; on the worker's loop thread.
    init(worker: LoadWorker, host: String, port: Int, templates: RequestTemplates, tls: TLSClientContext? = nil) {
        self.worker = worker
        self.requests = templates.http
        self.rowsPerRequest = templates.batch
        client = HTTPLoadClient(host: host, port: port, loop: worker.loop, tls: tls,
                                // Weak: the client may report its close after the run
                                // has released this connection.
                                onResponse: { [weak self] status in self?.response(status) },
                                onClose: { [weak self] error in self?.closed(error) })
    }

    func connect(_ completion: @escaping (Result<Void, Error>) -> Void) {
        client.connect(completion)
    }

    func issue(kind: WorkloadKind, origin: UInt64, measured: Bool) {
        origins.append(origin)
        measuredFlags.append(measured)
        guard client.isConnected else {
            closed(TransportError.notConnected)
            return
        }
        requests[cursor % requests.count].withUnsafeBytes { client.send($0) }
        cursor &+= 1
    }

    func close() {
        isUsable = false
        client.close()
    }

    private func popFront() -> (UInt64, Bool)? {
        guard head < origins.count else { return nil }
        let entry = (origins[head], measuredFlags[head])
        head += 1
        if head == origins.count {
            origins.removeAll(keepingCapacity: true)
            measuredFlags.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 && head * 2 > origins.count {
            origins.removeFirst(head)
            measuredFlags.removeFirst(head)
            head = 0
        }
        return entry
    }

    private func response(_ status: Int) {
        guard let (origin, measured) = popFront() else { return }
        let outcome: RequestOutcome = (200..<300).contains(status)
            ? .ok(rows: rowsPerRequest)
            : .error(code: "HTTP_\(status)", message: nil)
        worker.finished(self, kind: .predict, origin: origin, measured: measured, outcome: outcome)
    }

    private func closed(_ error: Error?) {
        isUsable = false
        let message = error.map { "\($0)" } ?? "closed"
        while let (origin, measured) = popFront() {
            worker.finished(self, kind: .predict, origin: origin, measured: measured,
                            outcome: .error(code: "CONNECTION_CLOSED", message: message))
        }
    }
}
