import CUV
#if canImport(Glibc)
import Glibc
#endif

/// A one-shot timer with nanosecond deadlines on an ``EventLoop``: a Linux
/// `timerfd` watched by a `uv_poll_t`.
///
/// Why not ``LoopTimer``: libuv timers count whole milliseconds, so a load
/// generator pacing 30,000 requests/s with them would send in 1 ms bursts and
/// charge up to a millisecond of its own lateness to the server. A timerfd
/// becomes readable at its deadline and wakes `epoll` then.
///
/// Deadlines are absolute ``PreciseLoopTimer/now()`` values (CLOCK_MONOTONIC
/// nanoseconds). Loop-thread only: create, arm, stop and close it on the
/// loop's thread; the callback runs there. Memory and the file descriptor
/// are released in the poll handle's close callback.
public final class PreciseLoopTimer: UVHandleOwner {
    private var handle: UnsafeMutablePointer<uv_poll_t>?
    private var fd: Int32
    private var callback: (() -> Void)?

    /// The clock deadlines are measured on: CLOCK_MONOTONIC in nanoseconds.
    @inline(__always)
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Creates a disarmed timer. Must be called on `loop`'s thread.
    /// Throws ``UVError`` when the timerfd or the poll handle cannot be created.
    public init(on loop: EventLoop, _ callback: @escaping () -> Void) throws {
        precondition(loop.inEventLoop, "PreciseLoopTimer must be created on its loop's thread")
        let fd = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard fd >= 0 else { throw UVError(code: -errno, operation: "timerfd_create") }
        let handle = UVHandle.allocate(uv_poll_t.self)
        let rc = uv_poll_init(loop.uvLoop, handle, fd)
        if rc < 0 {
            UVHandle.freeUninitialised(handle)
            Glibc.close(fd)
            throw UVError(code: rc, operation: "uv_poll_init(timerfd)")
        }
        self.fd = fd
        self.callback = callback
        UVHandle.setOwner(handle, self)
        self.handle = handle
        let started = uv_poll_start(handle, Int32(UV_READABLE.rawValue)) { h, _, _ in
            let timer = UVHandle.owner(of: UVHandle.asHandle(h!), as: PreciseLoopTimer.self)
            timer.fired()
        }
        if started < 0 {
            // The close callback releases the owner reference and the fd.
            self.handle = nil
            UVHandle.close(handle)
            throw UVError(code: started, operation: "uv_poll_start(timerfd)")
        }
    }

    /// Arms the timer to fire once at `deadline` (see ``now()``); a deadline
    /// in the past fires on the next loop iteration. Re-arming replaces the
    /// previous deadline.
    public func start(at deadline: UInt64) {
        guard handle != nil else { return }
        // 0 would disarm the timer; the smallest positive time is "already due".
        let when = max(deadline, 1)
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(when / 1_000_000_000)
        spec.it_value.tv_nsec = Int(when % 1_000_000_000)
        _ = timerfd_settime(fd, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }

    /// Disarms the timer; it can be armed again.
    public func stop() {
        guard handle != nil else { return }
        var spec = itimerspec()
        _ = timerfd_settime(fd, 0, &spec, nil)
    }

    /// Disarms and releases the timer (in the close callback).
    public func close() {
        guard let handle else { return }
        self.handle = nil
        stop()
        UVHandle.close(handle)
    }

    private func fired() {
        // Reading clears the readiness; EAGAIN means a re-arm raced the wake-up.
        var expirations: UInt64 = 0
        let n = read(fd, &expirations, MemoryLayout<UInt64>.size)
        guard n == MemoryLayout<UInt64>.size else { return }
        callback?()
    }

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        self.handle = nil
        callback = nil
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}
