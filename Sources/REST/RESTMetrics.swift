import Primitives
import Transport

/// The counters behind `GET /metrics`, written in the Prometheus text
/// exposition format (version 0.0.4) by hand.
///
/// Kept by the adapter: requests by route, model, version and HTTP status;
/// a latency histogram by route; calls in flight; requests dropped for
/// timeouts. Model version states are read from the call handler at scrape
/// time. Other modules report their own numbers through ``setGauge(_:help:labels:value:)``,
/// ``addCounter(_:help:labels:by:)`` or ``addCollector(_:)`` (e.g.
/// `swerve_job_queue_depth`, `swerve_jobs{state=…}`,
/// `swerve_fanout_member_errors_total{member=…}`); `SwerveServer` exposes
/// the in-process adapter's instance as `restServer?.metrics`.
///
/// Thread-safety: every method may be called from any thread (one mutex;
/// a request costs one lock round).
public final class RESTMetrics: Sendable {
    /// Upper bounds (seconds) of the latency histogram's buckets.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct RequestKey: Hashable {
        var route: String
        var model: String
        var version: String
        var status: Int
    }

    private struct Histogram {
        var buckets = [UInt64](repeating: 0, count: RESTMetrics.latencyBuckets.count)
        var count: UInt64 = 0
        var sum: Double = 0
    }

    private struct Series: Hashable {
        var name: String
        var labels: String
    }

    private struct State {
        var requests: [RequestKey: UInt64] = [:]
        var latency: [String: Histogram] = [:]
        var inFlight = 0
        var timeouts: UInt64 = 0
        var gauges: [Series: Double] = [:]
        var counters: [Series: Double] = [:]
        var help: [String: (type: String, text: String)] = [:]
    }

    private let state = Locked(State())
    private let collectors = Locked([@Sendable () -> String]())

    public init() {}

    /// A call started (in-flight gauge).
    public func begin() {
        state.withLock { $0.inFlight += 1 }
    }

    /// A call finished with HTTP `status` after `seconds`.
    public func end(route: String, model: String, version: String, status: Int, seconds: Double) {
        let key = RequestKey(route: route, model: model, version: version, status: status)
        state.withLock { s in
            s.inFlight -= 1
            s.requests[key, default: 0] += 1
            var h = s.latency[route] ?? Histogram()
            h.count += 1
            h.sum += seconds
            if let i = Self.latencyBuckets.firstIndex(where: { seconds <= $0 }) { h.buckets[i] += 1 }
            s.latency[route] = h
        }
    }

    func countTimeout() {
        state.withLock { $0.timeouts += 1 }
    }

    /// Sets a gauge that another module owns (e.g. queue depth).
    public func setGauge(_ name: String, help: String, labels: [(String, String)] = [], value: Double) {
        let series = Series(name: name, labels: Self.labelText(labels))
        state.withLock { s in
            s.gauges[series] = value
            s.help[name] = ("gauge", help)
        }
    }

    /// Adds to a counter that another module owns (e.g. fan-out member errors).
    public func addCounter(_ name: String, help: String, labels: [(String, String)] = [], by amount: Double = 1) {
        let series = Series(name: name, labels: Self.labelText(labels))
        state.withLock { s in
            s.counters[series, default: 0] += amount
            s.help[name] = ("counter", help)
        }
    }

    /// Adds a collector that another module owns: called at every scrape
    /// (on a loop thread, so it must be quick and must not block) for
    /// complete exposition lines, `# HELP`/`# TYPE` included. For numbers
    /// that are cheaper to read when asked than to push on every change,
    /// such as a queue's depth or jobs by state.
    public func addCollector(_ collect: @escaping @Sendable () -> String) {
        collectors.withLock { $0.append(collect) }
    }

    /// The exposition text; `extra` is appended (e.g. model version states).
    public func render(extra: String = "") -> String {
        let s = state.withLock { $0 }
        var out = ""
        out += "# HELP swerve_rest_requests_total REST requests answered, by route, model, version and HTTP status.\n"
        out += "# TYPE swerve_rest_requests_total counter\n"
        for (key, count) in s.requests.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            out += "swerve_rest_requests_total{route=\(Self.quote(key.route)),model=\(Self.quote(key.model)),version=\(Self.quote(key.version)),status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP swerve_rest_request_duration_seconds Time from a complete request to its response, by route.\n"
        out += "# TYPE swerve_rest_request_duration_seconds histogram\n"
        for (route, h) in s.latency.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            for (i, bound) in Self.latencyBuckets.enumerated() {
                cumulative += h.buckets[i]
                out += "swerve_rest_request_duration_seconds_bucket{route=\(Self.quote(route)),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "swerve_rest_request_duration_seconds_bucket{route=\(Self.quote(route)),le=\"+Inf\"} \(h.count)\n"
            out += "swerve_rest_request_duration_seconds_sum{route=\(Self.quote(route))} \(h.sum)\n"
            out += "swerve_rest_request_duration_seconds_count{route=\(Self.quote(route))} \(h.count)\n"
        }
        out += "# HELP swerve_rest_in_flight_requests REST calls being answered now.\n"
        out += "# TYPE swerve_rest_in_flight_requests gauge\n"
        out += "swerve_rest_in_flight_requests \(s.inFlight)\n"
        out += "# HELP swerve_rest_timeouts_total Connections dropped because headers or body arrived too slowly.\n"
        out += "# TYPE swerve_rest_timeouts_total counter\n"
        out += "swerve_rest_timeouts_total \(s.timeouts)\n"
        for (name, meta) in s.help.sorted(by: { $0.key < $1.key }) {
            out += "# HELP \(name) \(meta.text)\n# TYPE \(name) \(meta.type)\n"
            let series = meta.type == "gauge" ? s.gauges : s.counters
            for (key, value) in series.filter({ $0.key.name == name }).sorted(by: { $0.key.labels < $1.key.labels }) {
                out += "\(name)\(key.labels) \(Self.number(value))\n"
            }
        }
        for collect in collectors.withLock({ $0 }) {
            let text = collect()
            out += text
            if !text.isEmpty && !text.hasSuffix("\n") { out += "\n" }
        }
        out += extra
        return out
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\(quote($0.1))" }.joined(separator: ",") + "}"
    }

    /// A label value, quoted and escaped as the exposition format wants.
    public static func quote(_ v: String) -> String {
        var out = "\""
        for c in v {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out + "\""
    }
}
