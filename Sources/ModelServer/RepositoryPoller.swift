import Foundation

/// The background thread that calls the repository's reload every interval.
///
/// Lifecycle: `start` once; `stop` wakes the thread at once (it does not sit
/// out the rest of the interval) and waits until it has exited, so no
/// reload runs after `stop` returns. `requestStop` only asks, for `deinit`,
/// which may run on the poller thread itself.
///
/// Thread-safety: `@unchecked Sendable` because its flags are guarded by
/// `condition`'s lock, which the compiler cannot see.
final class RepositoryPoller: @unchecked Sendable {
    private let condition = NSCondition()
    private var started = false
    private var stopRequested = false
    private var exited = false

    /// Starts the thread; `tick` runs every `interval` until it returns false
    /// or the poller stops. Does nothing when already started or stopped.
    func start(interval: Duration, tick: @escaping @Sendable () -> Bool) {
        condition.lock()
        defer { condition.unlock() }
        guard !started && !stopRequested else { return }
        started = true
        let seconds = max(0.001, Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        let thread = Thread { [self] in
            run(seconds: seconds, tick: tick)
        }
        thread.name = "swerve-model-poller"
        thread.start()
    }

    private func run(seconds: Double, tick: @Sendable () -> Bool) {
        condition.lock()
        while !stopRequested {
            let deadline = Date(timeIntervalSinceNow: seconds)
            // `wait(until:)` returns false at the deadline, true when signalled
            // (or spuriously), so loop until either the time or a stop arrives.
            while !stopRequested && condition.wait(until: deadline) {}
            if stopRequested { break }
            condition.unlock()
            let keepGoing = tick()
            condition.lock()
            if !keepGoing { break }
        }
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the thread and waits until it has exited. Must not be called from the poller thread.
    func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        while started && !exited {
            condition.wait()
        }
        condition.unlock()
    }

    /// Asks the thread to stop without waiting for it.
    func requestStop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        condition.unlock()
    }
}
