/// One pass/fail line of a soak's verdict.
public struct SoakCheck: Sendable, Equatable {
    public var name: String
    public var passed: Bool
    public var detail: String

    public init(name: String, passed: Bool, detail: String) {
        self.name = name
        self.passed = passed
        self.detail = detail
    }
}

/// Judges a soak run (issue 19's rules): errors only UNAVAILABLE while a
/// version drains, memory and descriptors of the long-lived servers flat
/// after the warm-up, every accepted job completed.
public struct SoakVerdict: Sendable {
    /// The error codes a version going away may cause: the binary protocol's
    /// and REST's form of "that version is no longer served".
    public static let drainErrorCodes: Set<String> = ["UNAVAILABLE", "HTTP_503"]

    public var warmupSeconds: Double = 60
    /// Errors counted up to this many seconds after a version was removed
    /// are the drain's (the repository poll, the drain itself and the
    /// one-second sampling each take their share).
    public var drainWindowSeconds: Double = 5
    /// A sample this late (ms) marks a stall of the whole machine.
    public var stallMilliseconds: Double = 1000
    /// Largest fitted rise of RSS or descriptors over the run after warm-up.
    public var maxRelativeRise: Double = 0.10
    /// Processes whose RSS and descriptors must stay flat (sample column prefixes).
    public var steadyProcesses = ["front", "member"]

    public init() {}

    /// Every check, in order; the soak passes when all pass.
    public func checks(samples: SoakSamples, bench: [BenchOutcome], jobsAccepted: Int, jobsCompleted: Int) -> [SoakCheck] {
        var out: [SoakCheck] = []
        out.append(errorCodeCheck(bench))
        out.append(errorTimingCheck(samples))
        for process in steadyProcesses {
            out.append(flatCheck(samples, column: "\(process)_rss_kb", name: "\(process) RSS", unit: "kB"))
            out.append(flatCheck(samples, column: "\(process)_fds", name: "\(process) descriptors", unit: ""))
        }
        let jobsDetail = "\(jobsAccepted) accepted, \(jobsCompleted) completed"
        out.append(SoakCheck(name: "jobs", passed: jobsAccepted > 0 && jobsCompleted == jobsAccepted,
                             detail: jobsAccepted == 0 ? "no job was accepted: the submit load did not run" : jobsDetail))
        let answered = bench.reduce(0) { $0 + $1.ok }
        out.append(SoakCheck(name: "load", passed: answered > 0, detail: "\(answered) requests answered OK"))
        return out
    }

    /// Only the drain's codes, whatever their number.
    func errorCodeCheck(_ bench: [BenchOutcome]) -> SoakCheck {
        var unexpected: [String] = []
        var drain = 0
        for outcome in bench {
            for (code, count) in outcome.errors.sorted(by: { $0.key < $1.key }) {
                if Self.drainErrorCodes.contains(code) { drain += count } else { unexpected.append("\(count) \(code) (\(outcome.target))") }
            }
        }
        if unexpected.isEmpty {
            return SoakCheck(name: "error codes", passed: true, detail: "\(drain) UNAVAILABLE/503 while a version drained, no other error")
        }
        return SoakCheck(name: "error codes", passed: false, detail: "unexpected errors: " + unexpected.joined(separator: ", "))
    }

    /// Every second whose error count rose lies within the drain window of
    /// a version removal, or of a machine stall (a sample taken
    /// ``stallMilliseconds`` or more late: every process on the machine,
    /// load generators included, stood still, and a fan-out's member
    /// deadline passed meanwhile). Stalls and the errors they explain are
    /// listed, never hidden.
    func errorTimingCheck(_ samples: SoakSamples) -> SoakCheck {
        let seconds = samples["second"]
        let lags = samples["sampler_lag_ms"]
        let removals = zip(seconds, samples.events).filter { $0.1.contains("version-removed") }.map(\.0)
        let stallIndices = seconds.indices.filter { lags[$0] >= stallMilliseconds }
        let stalls = stallIndices.map { seconds[$0] }
        func near(_ t: Double, _ starts: [Double], before: Double) -> Bool {
            starts.contains { t >= $0 - before && t <= $0 + drainWindowSeconds }
        }
        var outside: [Int] = []
        var duringStalls = 0
        for column in ["binary_errors", "rest_errors"] {
            let counts = samples[column]
            for i in counts.indices where counts[i] > (i == 0 ? 0 : counts[i - 1]) {
                let t = seconds[i]
                if near(t, removals, before: 0) { continue }
                // A stall is seen when it ends, so it may have begun before.
                if near(t, stalls, before: 1) {
                    duringStalls += Int(counts[i] - (i == 0 ? 0 : counts[i - 1]))
                    continue
                }
                outside.append(Int(t))
            }
        }
        var stallNote = ""
        if !stalls.isEmpty {
            let longest = stallIndices.map { lags[$0] }.max() ?? 0
            stallNote = "; machine stalled (sample ≥ \(Int(stallMilliseconds / 1000)) s late) in \(stalls.count) second(s), "
                + "longest \(Self.short(longest / 1000)) s, \(duringStalls) error(s) then"
        }
        if outside.isEmpty {
            return SoakCheck(name: "error timing", passed: true,
                             detail: "errors only within \(Int(drainWindowSeconds)) s of a version removal\(stallNote)")
        }
        let listed = Set(outside).sorted().prefix(10).map(String.init).joined(separator: ", ")
        return SoakCheck(name: "error timing", passed: false,
                         detail: "errors at second(s) \(listed) away from any version removal\(stallNote)")
    }

    func flatCheck(_ samples: SoakSamples, column: String, name: String, unit: String) -> SoakCheck {
        let seconds = samples["second"]
        let values = samples[column]
        let kept = seconds.indices.filter { seconds[$0] > warmupSeconds }
        let x = kept.map { seconds[$0] }, y = kept.map { values[$0] }
        guard let first = x.first, let last = x.last, let line = TrendLine(x: x, y: y) else {
            return SoakCheck(name: name, passed: false, detail: "fewer than 2 samples after the \(Int(warmupSeconds)) s warm-up")
        }
        let rise = line.relativeRise(from: first, to: last)
        let suffix = unit.isEmpty ? "" : " \(unit)"
        let detail = "\(Self.short(line.value(at: first)))\(suffix) → \(Self.short(line.value(at: last)))\(suffix) fitted "
            + "over seconds \(Int(first))–\(Int(last)) (\(rise >= 0 ? "+" : "")\(Self.short(rise * 100))%, limit +\(Self.short(maxRelativeRise * 100))%)"
        return SoakCheck(name: name, passed: rise <= maxRelativeRise, detail: detail)
    }

    static func short(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : "-inf" }
        return String((value * 10).rounded() / 10)
    }
}
