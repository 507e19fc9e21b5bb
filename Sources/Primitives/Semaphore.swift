
#if canImport(Glibc)
import Glibc
#endif

/// A counting semaphore with an optional deadline, for handing results
/// between threads (startup, `submitAndWait`, blocking shutdown). Not used on
/// the per-request path.
public final class Semaphore: @unchecked Sendable {
    // Heap-allocated so its address never moves (a stored property's
    // address is not guaranteed stable when passed as inout).
    private let sem = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    public init(value: UInt32 = 0) {
        sem_init(sem, 0, value)
    }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    public func signal() {
        sem_post(sem)
    }

    public func wait() {
        while sem_wait(sem) != 0 && errno == EINTR {}
    }

    /// Waits at most `timeout`; returns false when it ran out.
    public func wait(timeout: Duration) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let (s, atto) = timeout.components
        var nanos = Int(now.tv_nsec) + Int(atto / 1_000_000_000)
        var deadline = timespec(tv_sec: now.tv_sec + Int(s) + nanos / 1_000_000_000, tv_nsec: 0)
        nanos %= 1_000_000_000
        deadline.tv_nsec = nanos
        while true {
            if sem_timedwait(sem, &deadline) == 0 { return true }
            if errno == EINTR { continue }
            return false
        }
    }
}
