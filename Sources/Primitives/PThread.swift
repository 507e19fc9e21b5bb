#if canImport(Glibc)
import Glibc
#endif

/// A POSIX thread running one closure: the one thread helper of the project,
/// for work that blocks (job workers in model runs, Redis connections in
/// socket calls, a shutdown that joins loop threads) and so never runs on an
/// event loop.
public final class PThread: @unchecked Sendable {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private var thread = pthread_t()
    private var joined = false

    /// Starts `body` on a new joinable thread (`name` is for debugging only).
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let err = pthread_create(&thread, nil, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box)
        precondition(err == 0, "pthread_create failed: \(err)")
    }

    /// Runs `body` on a new thread that nobody joins (rare work that must not
    /// run on a loop thread, such as a shutdown triggered by a signal watcher).
    public static func detached(name: String, _ body: @escaping @Sendable () -> Void) {
        PThread(name: name, body).detach()
    }

    /// Waits for the thread to end. Call once, from another thread.
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    /// Lets the thread end on its own without being joined: its resources are
    /// released when it returns.
    public func detach() {
        guard !joined else { return }
        joined = true
        pthread_detach(thread)
    }
}
