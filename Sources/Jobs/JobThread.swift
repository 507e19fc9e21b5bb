#if canImport(Glibc)
import Glibc
#endif

/// A joinable thread for a job worker or a Redis connection: they block in
/// model runs and socket calls, so they never run on an event loop.
final class JobThread: @unchecked Sendable {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private var thread = pthread_t()
    private var joined = false

    /// Starts `body` on a new thread (`name` is for debugging only).
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let err = pthread_create(&thread, nil, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box)
        precondition(err == 0, "pthread_create failed: \(err)")
    }

    /// Waits for the thread to end. Call once, from another thread.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    /// Lets the thread end on its own without being joined (a worker still
    /// inside a model run when the drain time ran out): its resources are
    /// released when it returns.
    func detach() {
        guard !joined else { return }
        joined = true
        pthread_detach(thread)
    }
}
