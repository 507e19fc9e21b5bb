import TLS
import Primitives
import SwerveClient
import Transport
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Runs one benchmark: prepares the requests, connects, warms up, measures,
/// drains, and returns the merged result.
///
/// Threads: the connections live on an ``EventLoopGroup`` of
/// `configuration.loops` loops (one ``LoadWorker`` each); the calling thread
/// only orchestrates (starts, prints the progress line each second, stops) and
/// never touches a loop's state except through `submitAndWait`.
public final class BenchRunner {
    public let configuration: BenchConfiguration
    /// Where the live progress line goes (standard error by default).
    private let progress: (String) -> Void

    public init(configuration: BenchConfiguration, progress: ((String) -> Void)? = nil) {
        self.configuration = configuration
        self.progress = progress ?? { printToStandardError($0) }
    }

    /// Runs the benchmark. Throws ``BenchError`` when it cannot start
    /// (target unreachable, bad rows file, unknown model input).
    public func run() throws -> BenchResult {
        let tls: TLSClientContext?
        do {
            tls = try configuration.tls.map { try TLSClientContext($0) }
        } catch {
            throw BenchError.setupFailed("\(error)")
        }
        let templates = try prepareTemplates(tls: tls)
        let group: EventLoopGroup
        do {
            group = try EventLoopGroup(loopCount: configuration.loops, name: "bench-loop")
        } catch {
            throw BenchError.setupFailed("cannot start \(configuration.loops) event loops: \(error)")
        }
        defer { group.shutdown() }

        let wake = Primitives.Semaphore()
        let workers = makeWorkers(group: group, wake: wake)
        try connect(workers: workers, templates: templates, tls: tls)
        return try measure(workers: workers, wake: wake)
    }

    // MARK: Preparing

    /// Rows, input name and the encoded requests.
    func prepareTemplates(tls: TLSClientContext? = nil) throws -> RequestTemplates {
        var rows: RowSource?
        if let path = configuration.rowsFile { rows = try RowSource.load(path: path) }
        switch configuration.target {
        case .http(let host, let port, let path):
            let source = rows ?? randomRows(features: configuration.features ?? 1)
            return RequestTemplates(httpHost: host, port: port, path: path, rows: source, batch: configuration.batch,
                                    variety: variety(source), token: configuration.token)
        case .binary(let host, let port):
            var inputName = configuration.inputName
            var features = configuration.features ?? rows?.features
            if inputName == nil || features == nil {
                let input = try modelInput(host: host, port: port, explicitFeatures: features, tls: tls)
                inputName = inputName ?? input.name
                features = features ?? input.features
            }
            if let rows, let features, rows.features != features {
                throw BenchError.invalidRows("rows have \(rows.features) values but the model input takes \(features)")
            }
            let source = rows ?? randomRows(features: features!)
            return RequestTemplates(binaryFor: configuration, rows: source, inputName: inputName!, variety: variety(source))
        }
    }

    /// Random rows: a cycle of `RequestTemplates.variety` batches, or hot and fresh ones with `--repeat-percent`.
    private func randomRows(features: Int) -> RowSource {
        if let percent = configuration.repeatPercent {
            return RowSource.repeating(percent: percent, batch: configuration.batch, features: features, seed: configuration.seed)
        }
        return RowSource.random(features: features, count: RequestTemplates.variety * configuration.batch, seed: configuration.seed)
    }

    /// Batches to prepare: every one of a `--repeat-percent` sequence, else the usual variety.
    private func variety(_ source: RowSource) -> Int {
        configuration.repeatPercent == nil ? RequestTemplates.variety : source.rows.count / configuration.batch
    }

    /// The first input of `--model` (or of the fan-out model when only that
    /// is used), from GetModelMetadata.
    private func modelInput(host: String, port: Int, explicitFeatures: Int?, tls: TLSClientContext?) throws -> (name: String, features: Int) {
        let model = configuration.kinds == [.fanout] ? (configuration.fanOutModel ?? configuration.model) : configuration.model
        let metadata: GetModelMetadataResponse
        do {
            let client = try SwerveClient(address: ServerAddress(host: host, port: port), connectTimeout: .seconds(5), callTimeout: .seconds(10),
                                          tls: tls, token: configuration.token)
            defer { client.close() }
            metadata = try client.metadata(ModelSpec(name: model))
        } catch {
            throw BenchError.setupFailed("cannot read the metadata of model '\(model)' at \(host):\(port): \(error); pass --features N and --input NAME to skip it")
        }
        guard let input = metadata.inputs.first else {
            throw BenchError.setupFailed("model '\(model)' declares no inputs")
        }
        guard input.dtype == .float else {
            throw BenchError.setupFailed("input '\(input.name)' of model '\(model)' is \(input.dtype), but swerve-bench sends float32 rows")
        }
        if let explicitFeatures { return (input.name, explicitFeatures) }
        guard input.shape.count == 2, input.shape[1] > 0 else {
            throw BenchError.setupFailed("input '\(input.name)' of model '\(model)' has shape \(input.shape); pass --features N")
        }
        return (input.name, Int(input.shape[1]))
    }

    private func makePlan(loopIndex: Int) -> RunPlan {
        let loops = configuration.loops
        var share: Int?
        if let requests = configuration.requests {
            share = requests / loops + (loopIndex < requests % loops ? 1 : 0)
        }
        var rate = 0.0
        if case .open(let total, _) = configuration.load { rate = total / Double(loops) }
        return RunPlan(
            load: configuration.load,
            warmupNanoseconds: UInt64(configuration.warmup * 1e9),
            durationNanoseconds: configuration.duration.map { UInt64($0 * 1e9) },
            share: share,
            pattern: Self.pattern(configuration.mix),
            rowsPerRequest: configuration.batch,
            loopRate: rate,
            scheduleOffset: rate > 0 ? 1e9 / rate * Double(loopIndex) / Double(loops) : 0,
            tickNanoseconds: UInt64(configuration.tick * 1000))
    }

    /// A smooth weighted round robin over the mix: predict=3,submit=1 →
    /// predict, predict, submit, predict (spread out, not in bursts).
    static func pattern(_ mix: [WorkloadWeight]) -> [WorkloadKind] {
        let total = mix.reduce(0) { $0 + $1.weight }
        var current = [Int](repeating: 0, count: mix.count)
        var out: [WorkloadKind] = []
        for _ in 0..<total {
            for i in mix.indices { current[i] += mix[i].weight }
            let best = current.indices.max { current[$0] < current[$1] }!
            current[best] -= total
            out.append(mix[best].kind)
        }
        return out
    }

    private func makeWorkers(group: EventLoopGroup, wake: Primitives.Semaphore) -> [LoadWorker] {
        group.loops.enumerated().map { index, loop in
            LoadWorker(loop: loop, plan: makePlan(loopIndex: index), wakeRunner: wake)
        }
    }

    // MARK: Connecting

    private func connect(workers: [LoadWorker], templates: RequestTemplates, tls: TLSClientContext?) throws {
        let connected = Primitives.Semaphore()
        let failures = Locked<[String]>([])
        let timeout = Duration.milliseconds(Int64(configuration.timeout * 1000))
        let pollInterval = Duration.microseconds(Int64(configuration.pollInterval * 1000))
        for index in 0..<configuration.connections {
            let worker = workers[index % workers.count]
            let target = configuration.target
            let done: @Sendable (Result<Void, Error>) -> Void = { result in
                if case .failure(let error) = result { failures.withLock { $0.append("\(error)") } }
                connected.signal()
            }
            do {
                try worker.loop.submitAndWait {
                    switch target {
                    case .binary(let host, let port):
                        let connection = BinaryLoadConnection(worker: worker, host: host, port: port, templates: templates,
                                                              timeout: timeout, pollInterval: pollInterval, tls: tls)
                        worker.connections.append(connection)
                        connection.client.connect(done)
                    case .http(let host, let port, _):
                        let connection = HTTPLoadConnection(worker: worker, host: host, port: port, templates: templates, tls: tls)
                        worker.connections.append(connection)
                        connection.connect(done)
                    }
                }
            } catch {
                done(.failure(error))
            }
        }
        for _ in 0..<configuration.connections {
            guard connected.wait(timeout: .seconds(15)) else {
                throw BenchError.setupFailed("connecting to \(configuration.target) did not finish within 15 s")
            }
        }
        let errors = failures.withLock { $0 }
        if let first = errors.first {
            throw BenchError.setupFailed("cannot connect to \(configuration.target): \(first) (\(errors.count) of \(configuration.connections) connections failed)")
        }
    }

    // MARK: Measuring

    private func measure(workers: [LoadWorker], wake: Primitives.Semaphore) throws -> BenchResult {
        let sampler = CPUSampler(serverPID: configuration.serverPID)
        // A little in the future, so every loop starts from the same instant.
        let start = PreciseLoopTimer.now() + 2_000_000
        let startErrors = Locked<[String]>([])
        for worker in workers {
            worker.loop.execute {
                do {
                    try worker.start(at: start)
                } catch {
                    startErrors.withLock { $0.append("\(error)") }
                    worker.stop()
                }
            }
        }
        let warmup = UInt64(configuration.warmup * 1e9)
        let measureStart = start + warmup
        let measureEnd = configuration.duration.map { measureStart + UInt64($0 * 1e9) }
        var timeline: [ThroughputSample] = []
        var cpuStart: CPUSampler.Sample?
        if warmup == 0 { cpuStart = sampler.sample(at: measureStart) }
        var nextTick = start + 1_000_000_000
        var lastSampleTime = measureStart
        var lastOK = 0
        var lastErrors = 0
        var finishedAt: UInt64?

        func sum(_ counter: (LiveCounters) -> Int) -> Int { workers.reduce(0) { $0 + counter($1.counters) } }
        func all(_ flag: (LiveCounters) -> Bool) -> Bool { workers.allSatisfy { flag($0.counters) } }
        func sampleTimeline(at now: UInt64, minimumNanoseconds: UInt64 = 100_000_000) {
            // Skips slivers (a tick right at the end of the warm-up).
            guard now >= lastSampleTime + minimumNanoseconds else { return }
            let ok = sum { $0.measuredOK.load(ordering: .relaxed) }
            let errors = sum { $0.measuredErrors.load(ordering: .relaxed) }
            let dt = Double(now - lastSampleTime) / 1e9
            timeline.append(ThroughputSample(seconds: Double(now - measureStart) / 1e9,
                                             requestsPerSecond: Double(ok - lastOK) / dt,
                                             errorsPerSecond: Double(errors - lastErrors) / dt))
            lastOK = ok
            lastErrors = errors
            lastSampleTime = now
        }

        var lastFinished = 0
        var lastProgress = start
        while true {
            var wakeAt = nextTick
            if cpuStart == nil { wakeAt = min(wakeAt, measureStart) }
            if let measureEnd { wakeAt = min(wakeAt, measureEnd) }
            let now0 = PreciseLoopTimer.now()
            if wakeAt > now0 { _ = wake.wait(timeout: .nanoseconds(Int64(wakeAt - now0))) }
            let now = PreciseLoopTimer.now()
            if cpuStart == nil && now >= measureStart { cpuStart = sampler.sample(at: now) }
            if now >= nextTick {
                let finished = sum { $0.finished.load(ordering: .relaxed) }
                if now >= measureStart { sampleTimeline(at: now) }
                if configuration.showProgress {
                    progress(progressLine(workers: workers, now: now, start: start, measureStart: measureStart,
                                          rate: Double(finished - lastFinished) / (Double(now - lastProgress) / 1e9)))
                }
                lastFinished = finished
                lastProgress = now
                nextTick += 1_000_000_000
            }
            if let measureEnd, now >= measureEnd {
                finishedAt = measureEnd
                break
            }
            if configuration.requests != nil, all({ $0.shareDone.load(ordering: .relaxed) }) {
                finishedAt = now
                break
            }
            if all({ $0.allConnectionsLost.load(ordering: .relaxed) || $0.drained.load(ordering: .relaxed) }) {
                // Every loop gave up (server gone) or ran out of work.
                finishedAt = now
                break
            }
        }
        let end = max(finishedAt ?? PreciseLoopTimer.now(), measureStart)
        sampleTimeline(at: end, minimumNanoseconds: 1_000_000)
        let cpuEnd = sampler.sample(at: PreciseLoopTimer.now())

        // Stop issuing; give requests in flight up to the request timeout.
        for worker in workers { worker.loop.execute { worker.stop() } }
        let drainDeadline = PreciseLoopTimer.now() + UInt64(configuration.timeout * 1e9) + 1_000_000_000
        while !all({ $0.drained.load(ordering: .relaxed) }) {
            let now = PreciseLoopTimer.now()
            if now >= drainDeadline { break }
            _ = wake.wait(timeout: .nanoseconds(Int64(min(drainDeadline - now, 100_000_000))))
        }
        var merged = LoopRecorder()
        for worker in workers {
            let recorder = try? worker.loop.submitAndWait { () -> LoopRecorder in
                worker.finalize()
                worker.closeConnections()
                return worker.recorder
            }
            if let recorder { merged.merge(recorder) }
        }
        if let error = startErrors.withLock({ $0.first }) {
            throw BenchError.setupFailed("cannot start the load: \(error)")
        }
        let seconds = Double(end - measureStart) / 1e9
        // CPU clocks tick in milliseconds: over a short run the shares are noise.
        let cpu = seconds >= 0.5 ? cpuStart.map { CPUUsage(from: $0, to: cpuEnd) } : nil
        return BenchResult(configuration: configuration, durationSeconds: seconds, recorder: merged,
                           timeline: timeline, cpu: cpu)
    }

    private func progressLine(workers: [LoadWorker], now: UInt64, start: UInt64, measureStart: UInt64, rate: Double) -> String {
        var latency = LoopRecorder.makeHistogram()
        var errors = 0
        for worker in workers {
            if let copy = try? worker.loop.submitAndWait({ worker.recorder.latency }) { latency.add(copy) }
            errors += worker.counters.measuredErrors.load(ordering: .relaxed)
        }
        let elapsed = Int((Double(now - start) / 1e9).rounded())
        let phase = now < measureStart ? "  (warm-up)" : ""
        let p99 = latency.totalCount > 0 ? BenchReport.number(Double(latency.valueAtPercentile(99)) / 1000) + " µs" : "-"
        return "[\(elapsed)s] \(BenchReport.grouped(rate)) req/s  p99 \(p99)  errors \(errors)\(phase)"
    }
}
