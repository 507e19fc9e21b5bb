import Primitives
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// The timing and pacing every loop shares, fixed before the load starts.
/// Times are ``PreciseLoopTimer/now()`` nanoseconds.
struct RunPlan: Sendable {
    var load: BenchConfiguration.Load
    /// Nanoseconds of warm-up.
    var warmupNanoseconds: UInt64
    /// Nanoseconds measured (duration mode); nil in `--requests` mode.
    var durationNanoseconds: UInt64?
    /// When load starts (warm-up begins); set by ``LoadWorker/start(at:)``.
    var start: UInt64 = 0
    /// Requests whose send (closed loop) or intended send (open loop) time is
    /// at or after this are measured.
    var measureStart: UInt64 = 0
    /// No request is issued at or after this (duration mode); `UInt64.max` otherwise.
    var measureEnd: UInt64 = .max
    /// Measured requests this loop issues in `--requests` mode; nil otherwise.
    var share: Int?
    /// Workload kinds in issue order, cycled (a smooth weighted round robin of the mix).
    var pattern: [WorkloadKind]
    var rowsPerRequest: Int
    /// Open loop: this loop's share of the rate, requests/s.
    var loopRate: Double
    /// Open loop: where this loop's schedule starts within the first interval,
    /// so several loops interleave instead of sending at the same instants.
    var scheduleOffset: Double
    /// Open loop: nanoseconds between pacer wake-ups; 0 wakes for each request.
    var tickNanoseconds: UInt64
}

/// A connection that the load generator drives. Loop-thread only.
protocol LoadConnection: AnyObject {
    /// Requests sent and not finished.
    var inFlight: Int { get }
    /// False once the connection is gone; it is then never used again.
    var isUsable: Bool { get }
    /// Sends one request of `kind`; its latency counts from `origin`.
    /// Reports back through ``LoadWorker/finished(_:kind:origin:measured:outcome:)``
    /// (possibly before returning, for a connection that just died).
    func issue(kind: WorkloadKind, origin: UInt64, measured: Bool)
    func close()
}

/// Drives the connections of one event loop: issues requests (closed or
/// open loop), records outcomes, and tells the runner when it is done.
/// Loop-thread only, except the `counters` it publishes.
final class LoadWorker {
    let loop: EventLoop
    private(set) var plan: RunPlan
    let counters = LiveCounters()
    var recorder = LoopRecorder()
    var connections: [LoadConnection] = []
    private let wakeRunner: Primitives.Semaphore

    private var started = false
    private var stopping = false
    /// After the drain deadline: late completions are ignored.
    private var finalized = false
    private var inFlight = 0
    private var patternCursor = 0
    private var issuedMeasured = 0
    private var finishedMeasured = 0
    // Open loop.
    private var pacer: PreciseLoopTimer?
    private var nextSlot: UInt64 = 0
    private var connectionCursor = 0
    /// The deadline the pacer's timer is armed for; 0 when disarmed. Arming
    /// costs a `timerfd_settime`, which on a virtual machine costs several
    /// microseconds (the hrtimer reprogramming exits to the hypervisor), so
    /// the timer is only re-armed when the deadline actually changes.
    private var armedDue: UInt64 = 0

    init(loop: EventLoop, plan: RunPlan, wakeRunner: Primitives.Semaphore) {
        self.loop = loop
        self.plan = plan
        self.wakeRunner = wakeRunner
    }

    // MARK: Runner → loop

    /// Starts issuing requests, with warm-up from `startTime`. Loop thread.
    func start(at startTime: UInt64) throws {
        plan.start = startTime
        plan.measureStart = startTime + plan.warmupNanoseconds
        plan.measureEnd = plan.durationNanoseconds.map { plan.measureStart + $0 } ?? .max
        started = true
        switch plan.load {
        case .closed(let pipeline):
            let now = PreciseLoopTimer.now()
            // Breadth first, so every connection gets its first request at once.
            for _ in 0..<pipeline {
                for connection in connections where connection.isUsable {
                    guard mayIssue(at: now) else { return }
                    send(on: connection, origin: now)
                }
            }
        case .open:
            pacer = try PreciseLoopTimer(on: loop) { [weak self] in
                guard let self else { return }
                self.armedDue = 0
                self.pace()
            }
            pace()
        }
        checkAllLost()
    }

    /// Stops issuing; the loop reports `drained` once nothing is in flight.
    func stop() {
        guard !stopping else { return }
        stopping = true
        pacer?.stop()
        armedDue = 0
        reportDrainedIfIdle()
    }

    /// After the drain deadline: counts what is still in flight as errors
    /// and ignores anything that arrives later.
    func finalize() {
        stop()
        guard !finalized else { return }
        finalized = true
        if inFlight > 0 {
            recorder.errors["NO_RESPONSE_BY_END", default: 0] += inFlight
            recorder.errorExamples["NO_RESPONSE_BY_END"] = "still in flight when the drain deadline passed"
        }
        pacer?.close()
        pacer = nil
    }

    func closeConnections() {
        for connection in connections { connection.close() }
    }

    // MARK: Issuing

    private func mayIssue(at time: UInt64) -> Bool {
        if stopping { return false }
        if time >= plan.measureEnd {
            stop()
            return false
        }
        if let share = plan.share, time >= plan.measureStart, issuedMeasured >= share {
            stop()
            return false
        }
        return true
    }

    private func send(on connection: LoadConnection, origin: UInt64) {
        let kind = plan.pattern[patternCursor]
        patternCursor += 1
        if patternCursor == plan.pattern.count { patternCursor = 0 }
        let measured = origin >= plan.measureStart
        if measured { issuedMeasured += 1 }
        inFlight += 1
        connection.issue(kind: kind, origin: origin, measured: measured)
    }

    /// Open loop: sends every request whose scheduled time has come, then
    /// arms the timer for the next one.
    private func pace() {
        guard started, !stopping, case .open(_, let maxInFlight) = plan.load else { return }
        let interval = 1e9 / plan.loopRate
        let now = PreciseLoopTimer.now()
        while true {
            let due = plan.start &+ UInt64((plan.scheduleOffset + Double(nextSlot) * interval).rounded())
            if due > now {
                // With a tick, wake at the next tick boundary at or after `due`:
                // fewer wake-ups (each costs a timerfd re-arm and a context
                // switch), at most one tick of extra lateness, counted as latency.
                var wake = due
                if plan.tickNanoseconds > 0 {
                    let ticks = (due - plan.start + plan.tickNanoseconds - 1) / plan.tickNanoseconds
                    wake = plan.start + ticks * plan.tickNanoseconds
                }
                if armedDue != wake {
                    pacer?.start(at: wake)
                    armedDue = wake
                }
                return
            }
            guard mayIssue(at: due) else { return }
            guard let connection = nextConnection(maxInFlight: maxInFlight) else {
                // Every connection is full: the overdue requests wait for a
                // response (see finished) and their wait counts as latency.
                return
            }
            nextSlot += 1
            if due >= plan.measureStart { recorder.recordSendLag(now - due) }
            send(on: connection, origin: due)
            if stopping { return }
        }
    }

    private func nextConnection(maxInFlight: Int) -> LoadConnection? {
        let count = connections.count
        for step in 0..<count {
            let connection = connections[(connectionCursor + step) % count]
            if connection.isUsable && connection.inFlight < maxInFlight {
                connectionCursor = (connectionCursor + step + 1) % count
                return connection
            }
        }
        return nil
    }

    // MARK: Connection → worker

    /// One request finished (the connection already decremented its own
    /// in-flight count). Loop thread.
    func finished(_ connection: LoadConnection, kind: WorkloadKind, origin: UInt64, measured: Bool, outcome: RequestOutcome) {
        if finalized { return }
        inFlight -= 1
        let now = PreciseLoopTimer.now()
        counters.finished.wrappingAdd(1, ordering: .relaxed)
        if measured {
            recorder.record(kind: kind, latencyNanoseconds: now &- origin, outcome: outcome)
            if case .ok = outcome {
                counters.measuredOK.wrappingAdd(1, ordering: .relaxed)
            } else {
                counters.measuredErrors.wrappingAdd(1, ordering: .relaxed)
            }
            finishedMeasured += 1
            if let share = plan.share, finishedMeasured >= share, !counters.shareDone.load(ordering: .relaxed) {
                counters.shareDone.store(true, ordering: .relaxed)
                wakeRunner.signal()
            }
        }
        if !connection.isUsable { checkAllLost() }
        if stopping {
            reportDrainedIfIdle()
            return
        }
        switch plan.load {
        case .closed:
            if connection.isUsable, mayIssue(at: now) { send(on: connection, origin: now) }
        case .open:
            pace()
        }
    }

    private func reportDrainedIfIdle() {
        guard stopping, inFlight == 0, !counters.drained.load(ordering: .relaxed) else { return }
        counters.drained.store(true, ordering: .relaxed)
        wakeRunner.signal()
    }

    private func checkAllLost() {
        guard !connections.contains(where: { $0.isUsable }), !counters.allConnectionsLost.load(ordering: .relaxed) else { return }
        counters.allConnectionsLost.store(true, ordering: .relaxed)
        stop()
        wakeRunner.signal()
    }
}
