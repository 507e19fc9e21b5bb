#if canImport(Glibc)
import Glibc
#endif

/// Runs a closure on a new detached thread. For rare work that must not run
/// on a loop thread, such as a shutdown triggered from a signal watcher
/// (shutdown joins the loop threads, so it cannot run on one).
enum DetachedThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping @Sendable () -> Void) {
        var tid = pthread_t()
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let err = pthread_create(&tid, nil, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box)
        precondition(err == 0, "pthread_create failed: \(err)")
        pthread_detach(tid)
    }
}
