import ModelRuntime
import Primitives
import Synchronization

/// Adaptive (dynamic) batching: calls for the same loaded version, from every
/// loop and connection, wait in one queue and run as one model call.
///
/// A queue's batch runs when its rows reach a preferred size or `max_rows`,
/// or when a waiting call reaches its latest start: `max_delay_us` after it
/// arrived, or earlier when its own deadline is closer (a call waits at most
/// three quarters of the time its deadline left it, so it is answered in
/// time; one whose deadline passes while queued is answered
/// DEADLINE_EXCEEDED at once). Rows count, not calls; calls whose inputs
/// cannot be stacked (other input names, dtypes or trailing shapes, or
/// another output filter) wait for a batch of their own kind.
///
/// Lifecycle: one runner thread, started by the first call; it sleeps on a
/// condition variable until the next batch is due (no busy waiting).
/// `shutdown()` runs what is queued and joins the thread.
///
/// Thread-safety: `submit` may be called from any thread. Completions run
/// on the runner thread; the caller hands the answer back to its own loop.
/// `@unchecked Sendable`: the queues are guarded by `lock`.
public final class AdaptiveBatcher: @unchecked Sendable {
    /// A call's outputs in model order, holding only its own rows.
    public typealias Outputs = [(name: String, value: Value)]
    /// A call's answer and when the model run that answered it started (for a
    /// call that never ran, when it failed).
    /// `ran` is in `MonotonicClock` nanoseconds.
    public typealias Completion = @Sendable (Result<Outputs, any Error>, _ ran: UInt64) -> Void

    /// What must match for calls to share a batch.
    struct Signature: Equatable {
        var inputNames: [String]
        var elementTypes: [ElementType]
        var trailingShapes: [[Int]]
        var outputNames: [String]?
    }

    struct PendingCall {
        var lease: ServableLease
        var feeds: [String: Tensor]
        var signature: Signature
        var rows: Int
        var enqueued: ContinuousClock.Instant
        var deadline: ContinuousClock.Instant?
        var latestStart: ContinuousClock.Instant
        var completion: Completion
    }

    final class VersionQueue {
        let servable: ServableVersion
        var settings: BatchingSettings
        var calls: [PendingCall] = []
        var rows = 0

        init(servable: ServableVersion, settings: BatchingSettings) {
            self.servable = servable
            self.settings = settings
        }
    }

    private let lock = Locked()
    private var queues: [UInt64: VersionQueue] = [:]
    private var started = false
    private var stopping = false
    private var exited = false
    /// Models whose config asked for batching; lets the dispatcher skip the
    /// asynchronous path for every other model without a lock.
    private let batchingModels = Locked<Set<String>>([])
    private let batchingModelCount = Atomic<Int>(0)
    /// Batch sizes and queue delays, for /metrics.
    public let statistics = BatchStatistics()

    public init() {}

    // MARK: Routing hints

    /// True when `model` was last seen with batching on. Cheap when no model batches.
    public func mayBatch(model: String) -> Bool {
        guard batchingModelCount.load(ordering: .relaxed) > 0 else { return false }
        return batchingModels.withLock { $0.contains(model) }
    }

    /// Records whether `model` batches (its config in force says so).
    public func note(model: String, batching: Bool) {
        batchingModels.withLock { set in
            let changed = batching ? set.insert(model).inserted : set.remove(model) != nil
            if changed { batchingModelCount.store(set.count, ordering: .relaxed) }
        }
    }

    // MARK: Calls

    /// Queues a call on `lease`'s version, which the batcher releases after
    /// `completion` ran. Returns false, without taking the lease, when the
    /// call cannot share a batch (an input without a first dimension, inputs
    /// disagreeing on it, or more rows than `max_rows`): run it directly.
    /// Throws `resourceExhausted` when the version's queue holds
    /// `max_queued_rows` rows already.
    public func submit(_ lease: ServableLease, settings: BatchingSettings, feeds: [String: Tensor],
                       outputNames: [String]?, deadline: ContinuousClock.Instant?,
                       completion: @escaping Completion) throws(ModelServerError) -> Bool {
        guard let rows = Self.commonRows(feeds), rows > 0, rows <= settings.maxRows else { return false }
        let names = feeds.keys.sorted()
        let signature = Signature(inputNames: names, elementTypes: names.map { feeds[$0]!.elementType },
                                  trailingShapes: names.map { Array(feeds[$0]!.shape.dropFirst()) },
                                  outputNames: outputNames)
        let now = ContinuousClock.now
        var latestStart = now + .microseconds(settings.maxDelayMicroseconds)
        if let deadline {
            let budget = now < deadline ? now.duration(to: deadline) : .zero
            latestStart = min(latestStart, now + budget * 3 / 4)
        }
        let servable = lease.servable
        let call = PendingCall(lease: lease, feeds: feeds, signature: signature, rows: rows, enqueued: now,
                               deadline: deadline, latestStart: latestStart, completion: completion)
        let refusal: ModelServerError? = lock.withLock {
            if stopping {
                return ModelServerError(.unavailable, "the server is shutting down; model '\(servable.name)' takes no more calls")
            }
            let queue = queues[servable.serial] ?? VersionQueue(servable: servable, settings: settings)
            queue.settings = settings
            guard queue.rows + rows <= settings.maxQueuedRows else {
                return ModelServerError(.resourceExhausted,
                    "model '\(servable.name)' version \(servable.version): batching queue is full "
                    + "(\(queue.rows) rows waiting, max_queued_rows \(settings.maxQueuedRows)); try again later")
            }
            queues[servable.serial] = queue
            queue.calls.append(call)
            queue.rows += rows
            if !started {
                started = true
                // Detached: `shutdown` waits for `exited` instead of joining.
                PThread.detached(name: "swerve-batcher") { [self] in runLoop() }
            }
            lock.broadcast()
            return nil
        }
        if let refusal { throw refusal }
        return true
    }

    /// Runs every queued call, then stops the runner thread and waits for it.
    /// Later calls are refused (UNAVAILABLE). Idempotent.
    public func shutdown() {
        lock.withLock {
            stopping = true
            lock.broadcast()
            while started && !exited { lock.wait(until: nil) }
        }
    }

    /// The rows all inputs share as their first dimension, or nil.
    static func commonRows(_ feeds: [String: Tensor]) -> Int? {
        var rows: Int?
        for tensor in feeds.values {
            guard let first = tensor.shape.first else { return nil }
            if let rows, rows != first { return nil }
            rows = first
        }
        return rows
    }

    // MARK: Runner thread

    private func runLoop() {
        while let (batches, expired) = lock.withLock({ nextWork() }) {
            for call in expired {
                finish(call, .failure(ModelServerError(.deadlineExceeded,
                    "deadline exceeded after \(call.enqueued.duration(to: .now)) waiting for a batch of model '\(call.lease.servable.name)'")),
                       ran: MonotonicClock.nanoseconds())
            }
            for (queue, calls) in batches {
                run(calls, on: queue.servable)
            }
        }
    }

    /// Waits (under the lock) until a batch is due or a call expired, and
    /// takes them; nil, with `exited` set, once stopping left nothing queued.
    private func nextWork() -> (batches: [(VersionQueue, [PendingCall])], expired: [PendingCall])? {
        while true {
            let now = ContinuousClock.now
            var batches: [(VersionQueue, [PendingCall])] = []
            var expired: [PendingCall] = []
            var nextWake: ContinuousClock.Instant?
            for (serial, queue) in queues {
                expired += Self.removeExpired(queue, now: now)
                while let batch = Self.takeBatch(queue, now: now, force: stopping) {
                    batches.append((queue, batch))
                }
                if let earliest = queue.calls.map(\.latestStart).min() {
                    nextWake = nextWake.map { min($0, earliest) } ?? earliest
                } else {
                    queues[serial] = nil
                }
            }
            if !batches.isEmpty || !expired.isEmpty { return (batches, expired) }
            if stopping && queues.isEmpty {
                exited = true
                lock.broadcast()
                return nil
            }
            lock.wait(until: nextWake)
        }
    }

    /// Takes the calls whose deadline passed (under the lock).
    private static func removeExpired(_ queue: VersionQueue, now: ContinuousClock.Instant) -> [PendingCall] {
        guard queue.calls.contains(where: { $0.deadline.map { $0 <= now } ?? false }) else { return [] }
        var expired: [PendingCall] = []
        queue.calls.removeAll { call in
            guard let deadline = call.deadline, deadline <= now else { return false }
            expired.append(call)
            queue.rows -= call.rows
            return true
        }
        return expired
    }

    /// The next batch if one is due (under the lock): the oldest call plus
    /// the next calls of its kind, up to `max_rows`.
    private static func takeBatch(_ queue: VersionQueue, now: ContinuousClock.Instant, force: Bool) -> [PendingCall]? {
        guard let first = queue.calls.first else { return nil }
        let settings = queue.settings
        var rowsOfKind = 0
        for call in queue.calls where call.signature == first.signature { rowsOfKind += call.rows }
        let due = force || rowsOfKind >= settings.maxRows || settings.preferredRows.contains(rowsOfKind)
            || queue.calls.contains { $0.latestStart <= now }
        guard due else { return nil }
        var taken: [PendingCall] = []
        var rows = 0
        var kept: [PendingCall] = []
        for call in queue.calls {
            if call.signature == first.signature && rows + call.rows <= settings.maxRows {
                taken.append(call)
                rows += call.rows
            } else {
                kept.append(call)
            }
        }
        queue.calls = kept
        queue.rows -= rows
        return taken
    }

    /// Runs one batch (no lock held) and answers each call with its rows.
    private func run(_ calls: [PendingCall], on servable: ServableVersion) {
        let start = ContinuousClock.now
        let ran = MonotonicClock.nanoseconds()
        let rows = calls.reduce(0) { $0 + $1.rows }
        statistics.record(model: servable.name, rows: rows, delays: calls.map { $0.enqueued.duration(to: start) })
        if calls.count == 1 {
            let call = calls[0]
            finish(call, Result { try Self.runModel(servable.model, call.feeds, call.signature.outputNames) }, ran: ran)
            return
        }
        var feeds: [String: Tensor] = [:]
        for name in calls[0].signature.inputNames {
            feeds[name] = Tensor.stackingRows(calls.map { $0.feeds[name]! })
        }
        let batched: Outputs
        do {
            batched = try Self.runModel(servable.model, feeds, calls[0].signature.outputNames)
        } catch {
            // One call's values may have failed the whole batch: run each
            // alone, so every caller gets its own answer or its own error.
            for call in calls {
                let ran = MonotonicClock.nanoseconds()
                finish(call, Result { try Self.runModel(servable.model, call.feeds, call.signature.outputNames) }, ran: ran)
            }
            return
        }
        guard let split = Self.split(batched, rows: calls.map(\.rows)) else {
            // An output without one row per input row cannot be split: this
            // model does not batch, so answer each call from its own run.
            for call in calls {
                let ran = MonotonicClock.nanoseconds()
                finish(call, Result { try Self.runModel(servable.model, call.feeds, call.signature.outputNames) }, ran: ran)
            }
            return
        }
        for (call, outputs) in zip(calls, split) { finish(call, .success(outputs), ran: ran) }
    }

    private func finish(_ call: PendingCall, _ result: Result<Outputs, any Error>, ran: UInt64) {
        call.completion(result, ran)
        call.lease.release()
    }

    /// Runs `model` once: its outputs (all, or the named ones) in model order.
    public static func runModel(_ model: Model, _ feeds: [String: Tensor], _ outputNames: [String]?) throws -> Outputs {
        // Built element by element: converting an unlabelled tuple array
        // (`Array(zip(…))`) to `Outputs` is a runtime cast per element.
        var outputs: Outputs = []
        if let outputNames {
            let values = try model.run(feeds, outputs: outputNames)
            outputs.reserveCapacity(outputNames.count)
            for info in model.outputs where outputNames.contains(info.name) {
                if let value = values[info.name] { outputs.append((name: info.name, value: value)) }
            }
            return outputs
        }
        outputs.reserveCapacity(model.outputs.count)
        try model.run(feeds) { position, value in outputs.append((name: model.outputs[position].name, value: value)) }
        return outputs
    }

    /// Each call's rows of every output, or nil when an output does not have
    /// one row per input row.
    static func split(_ outputs: Outputs, rows: [Int]) -> [Outputs]? {
        let total = rows.reduce(0, +)
        var ranges: [Range<Int>] = []
        var at = 0
        for n in rows { ranges.append(at..<(at + n)); at += n }
        var result = Array(repeating: Outputs(), count: rows.count)
        for (name, value) in outputs {
            switch value {
            case .tensor(let t):
                guard t.rowCount == total else { return nil }
                for (i, r) in ranges.enumerated() { result[i].append((name, .tensor(t.rows(r)))) }
            case .zipMap(let labels, let probabilities):
                guard probabilities.rowCount == total else { return nil }
                for (i, r) in ranges.enumerated() {
                    result[i].append((name, .zipMap(labels: labels, probabilities: probabilities.rows(r))))
                }
            }
        }
        return result
    }
}
