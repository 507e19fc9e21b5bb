#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex, with a condition variable for waiting on
/// it: the one lock type of the project (event-loop queues, metrics, job
/// queues, worker waits).
///
/// A pthread mutex rather than `Synchronization.Mutex` because
/// ThreadSanitizer understands pthread mutexes (it cannot see the raw futex
/// calls `Mutex` makes on Linux and reports false races), and a race detector
/// that can be trusted matters more here than the few nanoseconds between
/// the two. The per-request loop-thread path takes no lock.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Behind a pointer, not a stored `var`: an inout access to a class's
    // stored property is checked for exclusivity at run time (a thread-local
    // access set on every call), which the mutex already guarantees.
    private let value: UnsafeMutablePointer<Value>

    /// Wraps `value`.
    public init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        pthread_mutex_init(mutex, nil)
        // Monotonic so a wall-clock jump cannot stretch or cut a wait.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }

    /// Waits for a ``broadcast()``, at most until `deadline` (nil: no bound).
    /// Call inside ``withLock(_:)``; may wake spuriously, so re-check the
    /// condition in a loop.
    public func wait(until deadline: ContinuousClock.Instant?) {
        guard let deadline else {
            pthread_cond_wait(condition, mutex)
            return
        }
        let remaining = ContinuousClock.now.duration(to: deadline)
        if remaining <= .zero { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = remaining.components
        let nanos = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var target = timespec(tv_sec: now.tv_sec + Int(seconds) + nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
        pthread_cond_timedwait(condition, mutex, &target)
    }

    /// Wakes every waiter. Call inside ``withLock(_:)``.
    public func broadcast() {
        pthread_cond_broadcast(condition)
    }
}

extension Locked where Value == Void {
    /// A lock guarding state kept elsewhere (with ``wait(until:)`` and ``broadcast()``).
    public convenience init() { self.init(()) }

    /// Runs `body` holding the lock.
    @inline(__always)
    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        try withLock { (_: inout Void) in try body() }
    }
}
