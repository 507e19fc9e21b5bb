import Primitives

/// The background thread that calls the repository's reload every interval.
///
/// Lifecycle: `start` once; `stop` wakes the thread at once (it does not sit
/// out the rest of the interval) and waits until it has exited, so no
/// reload runs after `stop` returns. `requestStop` only asks, for `deinit`,
/// which may run on the poller thread itself.
///
/// Thread-safety: `@unchecked Sendable` because its flags are guarded by
/// `lock`, which the compiler cannot see.
final class RepositoryPoller: @unchecked Sendable {
    private let lock = Locked()
    private var started = false
    private var stopRequested = false
    private var exited = false

    /// Starts the thread; `tick` runs every `interval` until it returns false
    /// or the poller stops. Does nothing when already started or stopped.
    func start(interval: Duration, tick: @escaping @Sendable () -> Bool) {
        lock.withLock {
            guard !started && !stopRequested else { return }
            started = true
            let interval = max(interval, .milliseconds(1))
            // Detached: `stop` waits for `exited` instead of joining, and
            // `deinit` may run on this very thread.
            PThread.detached(name: "swerve-model-poller") { [self] in
                run(interval: interval, tick: tick)
            }
        }
    }

    private func run(interval: Duration, tick: @Sendable () -> Bool) {
        while waitForNextTick(interval: interval) && tick() {}
        lock.withLock {
            exited = true
            lock.broadcast()
        }
    }

    /// Sleeps `interval` unless a stop arrives first; true when it is time to tick.
    private func waitForNextTick(interval: Duration) -> Bool {
        let deadline = ContinuousClock.now + interval
        return lock.withLock {
            while !stopRequested && ContinuousClock.now < deadline {
                lock.wait(until: deadline)
            }
            return !stopRequested
        }
    }

    /// Stops the thread and waits until it has exited. Must not be called from the poller thread.
    func stop() {
        lock.withLock {
            stopRequested = true
            lock.broadcast()
            while started && !exited {
                lock.wait(until: nil)
            }
        }
    }

    /// Asks the thread to stop without waiting for it.
    func requestStop() {
        lock.withLock {
            stopRequested = true
            lock.broadcast()
        }
    }
}
