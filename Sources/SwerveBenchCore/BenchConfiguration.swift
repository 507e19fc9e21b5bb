import TLS
/// Everything one benchmark run needs to know, validated (see
/// ``SwerveBenchCommand`` for the command line that builds it).
public struct BenchConfiguration: Sendable {
    /// Where the load goes.
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        /// swerve's binary protocol at `host:port`.
        case binary(host: String, port: Int)
        /// HTTP/1.1 POSTs to `path` on `host:port` (TF-Serving REST predict).
        case http(host: String, port: Int, path: String)

        public var description: String {
            switch self {
            case .binary(let host, let port): return "binary \(host):\(port)"
            case .http(let host, let port, let path): return "http://\(host):\(port)\(path)"
            }
        }
    }

    /// How requests are paced.
    public enum Load: Sendable, Equatable {
        /// Each connection keeps `pipeline` requests in flight; a response
        /// triggers the next request. Latency: send → response.
        case closed(pipeline: Int)
        /// `rate` requests per second in total, on a fixed schedule whatever
        /// the server does; latency counts from each request's intended send
        /// time, so a stalled server is charged for the requests it delayed
        /// (no coordinated omission). `maxInFlight` bounds each connection;
        /// requests due beyond it wait, and their wait counts as latency.
        case open(rate: Double, maxInFlight: Int)
    }

    public var target: Target
    /// Workload kinds and their relative weights (all positive).
    public var mix: [WorkloadWeight]
    /// The model for predict and submit-then-poll.
    public var model: String
    /// The model for the fan-out workload.
    public var fanOutModel: String?
    /// Rows per request.
    public var batch: Int
    /// A file of rows to send (cycled); nil sends random rows.
    public var rowsFile: String?
    /// Features per row for random rows; nil asks the model's metadata.
    public var features: Int?
    /// The model input's name; nil asks the model's metadata (binary) or uses "input".
    public var inputName: String?
    /// Seed of the random rows.
    public var seed: UInt64
    /// Percent of requests that repeat one of a few hot batches (the rest
    /// each send a new one), for measuring a prediction cache; nil = cycle
    /// through `RequestTemplates.variety` batches.
    public var repeatPercent: Int?
    public var connections: Int
    public var load: Load
    /// Measured seconds (nil when `requests` bounds the run).
    public var duration: Double?
    /// Measured requests (nil when `duration` bounds the run).
    public var requests: Int?
    /// Seconds of load before measuring.
    public var warmup: Double
    /// Event loops (threads) the connections are spread over.
    public var loops: Int
    /// Seconds a request may take before it counts as a TIMEOUT error.
    public var timeout: Double
    /// Milliseconds between GetJob polls of one job.
    public var pollInterval: Double
    /// Open loop: microseconds between pacer wake-ups (0: one wake-up per
    /// request, at its own time). Requests keep their intended send times.
    public var tick: Double
    /// Write the machine-readable result here.
    public var jsonPath: String?
    /// Write the self-contained HTML report here.
    public var htmlPath: String?
    /// A server process whose CPU use (per thread) to report.
    public var serverPID: Int32?
    /// Print the live progress line each second.
    public var showProgress: Bool
    /// TLS to the target (`https://` or `--tls-ca`); nil = plain text.
    public var tls: TLSClientConfiguration? = nil
    /// Bearer token sent with every request (binary `auth_token`, HTTP `Authorization`); nil sends none.
    public var token: String?

    public init(target: Target, mix: [WorkloadWeight] = [WorkloadWeight(kind: .predict, weight: 1)],
                model: String = "iris", fanOutModel: String? = nil, batch: Int = 1,
                rowsFile: String? = nil, features: Int? = nil, inputName: String? = nil, seed: UInt64 = 1,
                connections: Int = 32, load: Load = .closed(pipeline: 1),
                duration: Double? = 10, requests: Int? = nil, warmup: Double = 1, loops: Int = 1,
                timeout: Double = 30, pollInterval: Double = 1, tick: Double = 0,
                jsonPath: String? = nil, htmlPath: String? = nil, serverPID: Int32? = nil,
                showProgress: Bool = true, repeatPercent: Int? = nil, token: String? = nil) {
        self.token = token
        self.target = target
        self.mix = mix
        self.model = model
        self.fanOutModel = fanOutModel
        self.batch = batch
        self.rowsFile = rowsFile
        self.features = features
        self.inputName = inputName
        self.seed = seed
        self.repeatPercent = repeatPercent
        self.connections = connections
        self.load = load
        self.duration = duration
        self.requests = requests
        self.warmup = warmup
        self.loops = loops
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.tick = tick
        self.jsonPath = jsonPath
        self.htmlPath = htmlPath
        self.serverPID = serverPID
        self.showProgress = showProgress
    }

    /// The workload kinds in use.
    public var kinds: [WorkloadKind] { mix.map(\.kind) }
}

/// What one request of the load does.
public enum WorkloadKind: String, Sendable, CaseIterable, Hashable {
    /// Predict on `--model`.
    case predict
    /// Submit a Predict as a job, then GetJob until it completed or failed;
    /// the latency is submit → final state.
    case submit
    /// Predict on the fan-out model.
    case fanout
}

/// One kind of request and its share of the mix.
public struct WorkloadWeight: Sendable, Equatable {
    public var kind: WorkloadKind
    public var weight: Int

    public init(kind: WorkloadKind, weight: Int) {
        self.kind = kind
        self.weight = weight
    }

    /// Parses `predict=8,submit=1,fanout=1`.
    public static func parseMix(_ text: String) throws -> [WorkloadWeight] {
        let kinds = WorkloadKind.allCases.map(\.rawValue).joined(separator: ", ")
        var out: [WorkloadWeight] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", omittingEmptySubsequences: false)
            guard pieces.count == 2, let kind = WorkloadKind(rawValue: pieces[0].trimmingSpaces),
                  let weight = Int(pieces[1].trimmingSpaces) else {
                throw BenchError.invalidArgument("--mix '\(text)': expected KIND=WEIGHT[,KIND=WEIGHT...] with KIND one of \(kinds), e.g. predict=8,submit=1,fanout=1")
            }
            guard weight > 0 else {
                throw BenchError.invalidArgument("--mix '\(text)': weight of \(kind.rawValue) must be a positive integer, got \(weight)")
            }
            guard !out.contains(where: { $0.kind == kind }) else {
                throw BenchError.invalidArgument("--mix '\(text)': \(kind.rawValue) appears twice")
            }
            out.append(WorkloadWeight(kind: kind, weight: weight))
        }
        return out
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
