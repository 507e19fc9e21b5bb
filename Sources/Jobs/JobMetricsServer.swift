import Auth
import Transport

/// A minimal HTTP endpoint for `swerve worker --metrics-port`: answers
/// `GET /metrics` with Prometheus text built by `render`, anything else 404,
/// one response per connection.
///
/// Runs on Transport's ``StreamServer`` (one loop of its own): the same
/// listener, read and write path as every other server, so partial reads,
/// interrupted calls and slow clients are handled there, not here.
public final class JobMetricsServer: @unchecked Sendable {
    /// The port actually bound (the real one when asked for 0).
    public let port: Int
    private let group: EventLoopGroup
    private let server: StreamServer

    /// Binds `host:port` (e.g. 0.0.0.0) and starts serving.
    /// - Parameter gate: with tokens, `/metrics` needs scope `metrics` (401/403 otherwise); nil serves anyone.
    public init(host: String, port: Int, gate: AccessGate? = nil,
                render: @escaping @Sendable () -> String) throws(JobMetricsError) {
        do {
            group = try EventLoopGroup(loopCount: 1, name: "swerve-metrics")
        } catch {
            throw JobMetricsError("cannot start the metrics loop: \(error)")
        }
        do {
            server = try StreamServer(host: host, port: port, group: group,
                                      options: StreamServer.Options(maxConnections: 16, closeTimeout: .seconds(2))) { _ in
                MetricsRequestHandler(render: render, gate: gate)
            }
        } catch {
            group.shutdown()
            throw JobMetricsError("cannot listen on \(host):\(port) for metrics: \(error)")
        }
        self.port = server.boundPort
    }

    /// Stops serving and releases the loop.
    public func shutdown() {
        server.shutdown(grace: .seconds(1))
        group.shutdown()
    }

    /// Prometheus text for a queue's totals, e.g. for `render`.
    public static func text(_ statistics: JobStatistics, prefix: String = "swerve_worker") -> String {
        let c = statistics.counters
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ value: Int) {
            lines.append("# HELP \(prefix)_\(name) \(help)")
            lines.append("# TYPE \(prefix)_\(name) \(type)")
            lines.append("\(prefix)_\(name) \(value)")
        }
        metric("jobs_completed_total", "counter", "Jobs this process ran to COMPLETED and stored.", c.completed)
        metric("jobs_failed_total", "counter", "Jobs this process stored as FAILED.", c.failed)
        metric("jobs_duplicate_total", "counter", "Jobs another worker had already finished (result not stored again).", c.duplicates)
        metric("jobs_reclaimed_total", "counter", "Jobs taken over from a worker that went quiet.", c.reclaimed)
        metric("jobs_running", "gauge", "Jobs running now.", statistics.running)
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The metrics endpoint could not start.
public struct JobMetricsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One metrics connection: reads the request head (bounded), answers, closes.
private final class MetricsRequestHandler: StreamHandler {
    private let render: @Sendable () -> String
    private let gate: AccessGate?
    private var request: [UInt8] = []
    private var answered = false
    private var startedAt: UInt64?
    private static let maxRequestBytes = 16 * 1024
    // A slow or silent client is dropped after this long (ms).
    private static let requestTimeout: UInt64 = 2000

    init(render: @escaping @Sendable () -> String, gate: AccessGate?) {
        self.render = render
        self.gate = gate
    }

    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        guard !answered else { return }
        if startedAt == nil { startedAt = connection.now }
        request += bytes
        if request.count >= Self.maxRequestBytes || request.suffix(4).elementsEqual([13, 10, 13, 10]) {
            answer(connection)
        }
    }

    func streamDidReadEOF(_ connection: StreamConnection) {
        if answered { connection.closeGracefully() } else { answer(connection) }
    }

    func streamDidWrite(_ connection: StreamConnection) {}

    func streamSweep(_ connection: StreamConnection, now: UInt64) {
        if !answered, let startedAt, now &- startedAt >= Self.requestTimeout { connection.close() }
    }

    func streamDidClose(_ connection: StreamConnection) {}

    private func answer(_ connection: StreamConnection) {
        answered = true
        let line = String(decoding: request.prefix(while: { $0 != 13 && $0 != 10 }), as: UTF8.self)
        let parts = line.split(separator: " ")
        let ok = parts.count >= 2 && parts[0] == "GET" && (parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?"))
        if ok, let gate, let refusal = gate.admit(token: BearerToken.fromRequestHead(request), scope: .metrics,
                                                  call: "metrics", peer: connection.remoteHost) {
            let head: String
            switch refusal.code {
            case .unauthenticated: head = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"swerve\"\r\n"
            case .permissionDenied: head = "HTTP/1.1 403 Forbidden\r\n"
            default: head = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\n"
            }
            let body = refusal.message + "\n"
            connection.write(Array((head + "Content-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8))
            connection.closeGracefully()
            return
        }
        let body = ok ? render() : "not found: only GET /metrics is served here\n"
        let head = ok ? "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                      : "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
        connection.write(Array((head + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8))
        connection.closeGracefully()
    }
}
