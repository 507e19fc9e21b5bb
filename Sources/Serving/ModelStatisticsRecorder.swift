#if canImport(Glibc)
import Glibc
#endif
import Primitives
import Wire

/// Counts Predict calls per model version for Triton's statistics
/// extension: successes and failures with their total time, the time
/// before the model ran (queue) and running it (compute), rows and
/// executions, and the wall-clock time of the last call.
///
/// Thread-safety: `record` and `snapshot` may be called from any thread; one
/// short lock per call (no allocation once a version has its entry).
public final class ModelStatisticsRecorder: Sendable {
    private struct Key: Hashable {
        var name: String
        var version: Int64
    }

    private let counters = Locked([Key: ModelVersionStatistics]())

    public init() {}

    /// One Predict on a resolved version, measured from its arrival at the
    /// dispatcher, in `MonotonicClock` nanoseconds. `ran`/`finished` are nil
    /// when it failed before or while running.
    public struct Timing {
        public let arrived: UInt64
        public var ran: UInt64?
        public var finished: UInt64?
        public var rows = 0
        public var succeeded = false
        /// Answered from the prediction cache: no model ran.
        public var cacheHit = false

        public init(arrived: UInt64 = MonotonicClock.nanoseconds()) { self.arrived = arrived }
    }

    /// Adds one call's outcome to the version's counters.
    public func record(name: String, version: Int64, _ timing: Timing) {
        let end = timing.finished ?? MonotonicClock.nanoseconds()
        let total = Self.elapsed(timing.arrived, end)
        let wallMs = Self.unixMillis()
        var ran: (queue: UInt64, compute: UInt64)?
        if timing.succeeded, let started = timing.ran {
            ran = (Self.elapsed(timing.arrived, started), Self.elapsed(started, end))
        }
        let rows = UInt64(max(timing.rows, 0))
        let cacheHit = timing.succeeded && timing.cacheHit
        counters.withLock { all in
            // Updated in place: one hash, no copy of the entry.
            Self.add(&all[Key(name: name, version: version), default: ModelVersionStatistics(name: name, version: version)],
                     total: total, ran: ran, cacheHit: cacheHit, rows: rows, wallMs: wallMs)
        }
    }

    private static func add(_ s: inout ModelVersionStatistics, total: UInt64, ran: (queue: UInt64, compute: UInt64)?,
                            cacheHit: Bool, rows: UInt64, wallMs: UInt64) {
        s.lastInferenceMs = wallMs
        if cacheHit {
            s.success.count += 1
            s.success.ns += total
            s.cacheHit.count += 1
            s.cacheHit.ns += total
            return
        }
        guard let ran else {
            s.fail.count += 1
            s.fail.ns += total
            return
        }
        s.success.count += 1
        s.success.ns += total
        s.queue.count += 1
        s.queue.ns += ran.queue
        s.computeInfer.count += 1
        s.computeInfer.ns += ran.compute
        s.executionCount += 1
        s.inferenceCount += rows
    }

    /// The counters of `version` of model `name`; zeros before its first call.
    public func snapshot(name: String, version: Int64) -> ModelVersionStatistics {
        counters.withLock { $0[Key(name: name, version: version)] } ?? ModelVersionStatistics(name: name, version: version)
    }

    private static func elapsed(_ from: UInt64, _ to: UInt64) -> UInt64 {
        to > from ? to - from : 0
    }

    private static func unixMillis() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }
}
