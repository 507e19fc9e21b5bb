import Primitives
import CUV

/// A libuv timer on an ``EventLoop``. Loop-thread only: create, start, stop
/// and close it on the loop's thread; the callback runs there too.
///
/// The timer's memory is freed in its close callback; after ``close()`` (or
/// the loop's shutdown) the timer is inert and further calls do nothing.
public final class LoopTimer: UVHandleOwner {
    private var handle: UnsafeMutablePointer<uv_timer_t>?
    private var callback: (() -> Void)?

    /// Creates a stopped timer. Must be called on `loop`'s thread.
    public init(on loop: EventLoop, _ callback: (() -> Void)? = nil) {
        precondition(loop.inEventLoop, "LoopTimer must be created on its loop's thread")
        let handle = UVHandle.allocate(uv_timer_t.self)
        uv_timer_init(loop.uvLoop, handle) // cannot fail for timers
        UVHandle.setOwner(handle, self)
        self.handle = handle
        self.callback = callback
    }

    /// Replaces the callback (handy when it needs to refer to the timer).
    public func setCallback(_ callback: @escaping () -> Void) {
        self.callback = callback
    }

    /// (Re)starts the timer: fire after `delay`, then every `repeating` if given.
    public func start(after delay: Duration, repeating: Duration? = nil) {
        guard let handle else { return }
        uv_timer_start(handle, { h in
            let timer = UVHandle.owner(of: UVHandle.asHandle(h!), as: LoopTimer.self)
            timer.callback?()
        }, delay.milliseconds, repeating.map { max(1, $0.milliseconds) } ?? 0)
    }

    /// Stops the timer; it can be started again.
    public func stop() {
        guard let handle else { return }
        uv_timer_stop(handle)
    }

    /// Whether the timer is counting down.
    public var isActive: Bool {
        guard let handle else { return false }
        return uv_is_active(UVHandle.asHandle(handle)) != 0
    }

    /// Stops the timer for good and releases it (in the close callback).
    public func close() {
        guard let handle else { return }
        self.handle = nil
        UVHandle.close(handle)
    }

    /// Lets the loop finish even while this timer is active (`uv_unref`).
    func unref() {
        guard let handle else { return }
        uv_unref(UVHandle.asHandle(handle))
    }

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        self.handle = nil
        // Break any cycle through the callback's captures.
        callback = nil
    }
}
