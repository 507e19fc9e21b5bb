import Histogram
import Synchronization

/// How one request ended.
enum RequestOutcome {
    /// Answered OK; `rows` predictions made.
    case ok(rows: Int)
    /// Failed; `code` is the status name (`UNIMPLEMENTED`, `HTTP_503`,
    /// `TIMEOUT`, …) and `message` the server's words when known.
    case error(code: String, message: String?)
}

/// Latency histograms and error counts of one event loop: written only on
/// that loop's thread, so recording takes no lock. The runner merges the
/// loops' recorders at the end (and takes copies for the live p99).
struct LoopRecorder {
    /// The longest latency recorded exactly; longer ones are clamped to it.
    static let highestNanoseconds: UInt64 = 120_000_000_000

    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestNanoseconds, numberOfSignificantValueDigits: .three)
    }

    /// Every successful measured request's latency, in nanoseconds.
    var latency = makeHistogram()
    /// The same, per workload kind (indexed like `WorkloadKind.allCases`).
    var latencyByKind = WorkloadKind.allCases.map { _ in makeHistogram() }
    /// Open loop: how late requests left compared to their schedule (the
    /// generator's own lag, already included in `latency`).
    var sendLag = makeHistogram()
    var okByKind = [Int](repeating: 0, count: WorkloadKind.allCases.count)
    var errorsByKind = [Int](repeating: 0, count: WorkloadKind.allCases.count)
    var rows = 0
    var errors: [String: Int] = [:]
    /// The first message seen for each error code.
    var errorExamples: [String: String] = [:]

    mutating func record(kind: WorkloadKind, latencyNanoseconds: UInt64, outcome: RequestOutcome) {
        let k = kind.index
        switch outcome {
        case .ok(let n):
            let value = min(max(latencyNanoseconds, 1), Self.highestNanoseconds)
            _ = latency.record(value)
            _ = latencyByKind[k].record(value)
            okByKind[k] += 1
            rows += n
        case .error(let code, let message):
            errorsByKind[k] += 1
            errors[code, default: 0] += 1
            if let message, errorExamples[code] == nil { errorExamples[code] = message }
        }
    }

    mutating func recordSendLag(_ nanoseconds: UInt64) {
        _ = sendLag.record(min(max(nanoseconds, 1), Self.highestNanoseconds))
    }

    mutating func merge(_ other: LoopRecorder) {
        latency.add(other.latency)
        for k in latencyByKind.indices { latencyByKind[k].add(other.latencyByKind[k]) }
        sendLag.add(other.sendLag)
        for k in okByKind.indices {
            okByKind[k] += other.okByKind[k]
            errorsByKind[k] += other.errorsByKind[k]
        }
        rows += other.rows
        errors.merge(other.errors, uniquingKeysWith: +)
        errorExamples.merge(other.errorExamples, uniquingKeysWith: { a, _ in a })
    }
}

/// Counters the main thread reads while the loops run (progress line,
/// throughput over time). Relaxed atomics: each is written by one loop.
final class LiveCounters: Sendable {
    /// Requests finished (OK or not), measured or not.
    let finished = Atomic<Int>(0)
    /// Measured requests finished OK.
    let measuredOK = Atomic<Int>(0)
    /// Measured requests that failed.
    let measuredErrors = Atomic<Int>(0)
    /// The loop stopped issuing and nothing is in flight.
    let drained = Atomic<Bool>(false)
    /// The loop finished its share of `--requests`.
    let shareDone = Atomic<Bool>(false)
    /// Every connection of the loop is closed.
    let allConnectionsLost = Atomic<Bool>(false)
}

extension WorkloadKind {
    /// Position in `allCases`, for per-kind arrays.
    var index: Int {
        switch self {
        case .predict: return 0
        case .submit: return 1
        case .fanout: return 2
        }
    }
}
