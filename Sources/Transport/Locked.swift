#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex (public so the REST metrics can use it). Used instead of `Synchronization.Mutex`
/// because ThreadSanitizer understands pthread mutexes (it cannot see the
/// raw futex calls `Mutex` makes on Linux and reports false races), and a
/// race detector that can be trusted matters more here than the few
/// nanoseconds between the two. Only the cross-thread queue and lifecycle
/// flags use it; the per-request loop-thread path takes no lock.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    /// Wraps `value`.
    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
