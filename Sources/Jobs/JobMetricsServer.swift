import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP endpoint for `swerve worker --metrics-port`: answers
/// `GET /metrics` with Prometheus text built by `render`, anything else 404.
///
/// One thread, one connection at a time, bounded reads: a scrape every few
/// seconds needs no event loop, and a worker process has no other HTTP.
public final class JobMetricsServer: @unchecked Sendable {
    /// The port actually bound (the real one when asked for 0).
    public let port: Int
    private let fd: Int32
    private let render: @Sendable () -> String
    private var thread: PThread?

    /// Binds `host:port` (IPv4 dotted address, e.g. 0.0.0.0) and starts serving.
    public init(host: String, port: Int, render: @escaping @Sendable () -> String) throws(JobMetricsError) {
        self.render = render
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw JobMetricsError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw JobMetricsError("metrics host '\(host)' is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw JobMetricsError("cannot listen on \(host):\(port) for metrics: \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.fd = fd
        thread = PThread(name: "swerve-metrics") { [self] in serve() }
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // the listening socket was closed
            }
            respond(client)
            close(client)
        }
    }

    private func respond(_ client: Int32) {
        // A slow or silent client must not hold the only thread.
        var timeout = Glibc.timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<Glibc.timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<Glibc.timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16 * 1024 {
            let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            request += buffer[..<n]
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
        }
        let line = String(decoding: request.prefix(while: { $0 != 13 && $0 != 10 }), as: UTF8.self)
        let parts = line.split(separator: " ")
        let ok = parts.count >= 2 && parts[0] == "GET" && (parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?"))
        let body = ok ? render() : "not found: only GET /metrics is served here\n"
        let head = ok ? "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                      : "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
        let response = Array((head + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
        var offset = 0
        while offset < response.count {
            let n = response[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            offset += n
        }
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
