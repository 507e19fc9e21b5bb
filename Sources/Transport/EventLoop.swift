import Primitives
import CUV
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Something with buffered output that the loop flushes once per iteration,
/// just before it waits for I/O. Loop-thread only.
protocol LoopFlushable: AnyObject {
    /// Set by the loop while the object sits in the flush list (avoids duplicates).
    var isFlushScheduled: Bool { get set }
    func flushBufferedOutput()
}

/// Receives a reply payload handed over from another thread (see
/// `EventLoop.deliver(_:to:)`). Loop-thread only.
protocol LoopReplyTarget: AnyObject {
    func deliverReply(_ payload: [UInt8], generation: UInt32)
}

/// One libuv loop running on its own thread.
///
/// Lifecycle: `init` creates the loop and starts its thread; ``shutdown()``
/// closes every handle on the loop, lets the loop finish and joins the thread.
///
/// Thread-safety: ``execute(_:)`` and ``shutdown()`` may be called from any
/// thread. Everything else in this module that touches a loop's handles runs
/// on the loop's thread (``inEventLoop``).
///
/// Cross-thread work travels through a mutex-protected queue that the loop
/// drains in one batch per wake-up: `uv_async_send` coalesces wake-ups, so the
/// queue (not the async handle) carries the work items. Producers only call
/// `uv_async_send` when the queue goes from empty to non-empty.
public final class EventLoop: @unchecked Sendable {
    /// A name for logs and the thread (truncated to 15 bytes for the OS).
    public let name: String

    let uvLoop: UnsafeMutablePointer<uv_loop_t>
    /// One read buffer for every stream on this loop: reads are processed
    /// synchronously in the read callback (frames spanning reads are copied
    /// into the connection's decoder), so the buffer is free again when the
    /// callback returns. Saves an allocation per read and per connection.
    let readBuffer: UnsafeMutableRawPointer
    let readBufferSize: Int

    private enum Task {
        case run(() -> Void)
        case reply(LoopReplyTarget, generation: UInt32, payload: [UInt8])
    }

    private struct Queue {
        var tasks: [Task] = []
        var closed = false
    }

    private let queue = Locked(Queue())
    private var wakeup: UnsafeMutablePointer<uv_async_t>?
    private var prepare: UnsafeMutablePointer<uv_prepare_t>?
    // Loop-thread only: swapped with the queue so both arrays keep capacity.
    private var draining: [Task] = []
    private var flushList: [LoopFlushable] = []
    private var flushing: [LoopFlushable] = []

    private var threadID = pthread_t()
    private let joined = Locked(false)
    private let started = Semaphore()

    /// Creates the loop and starts its thread.
    /// - Parameter readBufferSize: size of the loop's shared read buffer.
    public init(name: String = "swerve-loop", readBufferSize: Int = 64 * 1024) throws {
        // libuv writes with plain write(2): a peer that resets its connection
        // while a response is being written would raise SIGPIPE, whose
        // default action kills the process. The error (EPIPE) is handled
        // where the write fails; the signal must not be. Every server and
        // client runs on a loop, so ignoring it here covers them all.
        signal(SIGPIPE, SIG_IGN)
        self.name = name
        self.readBufferSize = max(4096, readBufferSize)
        self.readBuffer = UnsafeMutableRawPointer.allocate(byteCount: self.readBufferSize, alignment: 16)
        self.uvLoop = UnsafeMutablePointer<uv_loop_t>.allocate(capacity: 1)
        do {
            try UVError.check(uv_loop_init(uvLoop), "uv_loop_init")
        } catch {
            uvLoop.deallocate()
            readBuffer.deallocate()
            throw error
        }
        let wakeup = UVHandle.allocate(uv_async_t.self)
        let rc = uv_async_init(uvLoop, wakeup) { handle in
            UVHandle.owner(of: UVHandle.asHandle(handle!), as: EventLoop.self).drainQueue()
        }
        if rc < 0 {
            UVHandle.freeUninitialised(wakeup)
            uv_loop_close(uvLoop)
            uvLoop.deallocate()
            readBuffer.deallocate()
            throw UVError(code: rc, operation: "uv_async_init")
        }
        UVHandle.setOwner(wakeup, self)
        self.wakeup = wakeup
        let prepare = UVHandle.allocate(uv_prepare_t.self)
        uv_prepare_init(uvLoop, prepare) // only fills in the struct; cannot fail
        UVHandle.setOwner(prepare, self)
        uv_prepare_start(prepare) { handle in
            UVHandle.owner(of: UVHandle.asHandle(handle!), as: EventLoop.self).flushScheduled()
        }
        // The flush handle must not by itself keep the loop alive.
        uv_unref(UVHandle.asHandle(prepare))
        self.prepare = prepare

        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        let err = pthread_create(&tid, nil, { arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.threadMain()
            return nil
        }, box)
        precondition(err == 0, "pthread_create failed: \(err)")
        started.wait()
    }

    deinit {
        readBuffer.deallocate()
        uvLoop.deallocate()
    }

    /// True when called on this loop's thread.
    public var inEventLoop: Bool { pthread_equal(pthread_self(), threadID) != 0 }

    /// Runs `task` on the loop thread, soon. From the loop thread itself the
    /// task is queued too (never run inline), so callers need not worry about
    /// re-entrancy. Tasks submitted after shutdown are dropped.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        enqueue(.run(task))
    }

    /// Runs `body` on the loop thread and waits for its result. Must not be
    /// called on the loop thread (it would deadlock), so it runs inline there.
    public func submitAndWait<T>(_ body: @escaping () throws -> T) throws -> T {
        if inEventLoop { return try body() }
        let done = Semaphore()
        nonisolated(unsafe) var result: Result<T, Error> = .failure(TransportError.shutDown)
        let accepted = enqueue(.run {
            result = Result { try body() }
            done.signal()
        })
        guard accepted else { throw TransportError.shutDown }
        done.wait()
        return try result.get()
    }

    /// Hands a reply payload to `target` on the loop thread without
    /// allocating a closure (the hot path of cross-thread replies).
    func deliver(_ payload: [UInt8], generation: UInt32, to target: LoopReplyTarget) {
        enqueue(.reply(target, generation: generation, payload: payload))
    }

    @discardableResult
    private func enqueue(_ task: Task) -> Bool {
        let (accepted, wasEmpty) = queue.withLock { q -> (Bool, Bool) in
            if q.closed { return (false, false) }
            let wasEmpty = q.tasks.isEmpty
            q.tasks.append(task)
            return (true, wasEmpty)
        }
        // Only the first task after a drain needs to wake the loop; the others
        // ride along in the same batch. (`closed` is set on the loop thread
        // before the async handle is closed, so `wakeup` is still valid here.)
        if accepted && wasEmpty { uv_async_send(wakeup) }
        return accepted
    }

    /// Schedules `target` to flush its output before the loop next waits for I/O.
    func scheduleFlush(_ target: LoopFlushable) {
        if target.isFlushScheduled { return }
        target.isFlushScheduled = true
        flushList.append(target)
    }

    /// Schedules `task` to run on the loop after `delay`. Any thread.
    public func schedule(after delay: Duration, _ task: @escaping @Sendable () -> Void) {
        let start: @Sendable () -> Void = { [unowned self] in
            let timer = LoopTimer(on: self)
            timer.setCallback { [unowned timer] in
                timer.close()
                task()
            }
            timer.start(after: delay)
        }
        execute(start)
    }

    /// Closes every handle on the loop, lets pending close callbacks run,
    /// and joins the loop thread. Idempotent. Must not be called from the loop
    /// thread. Handles owned by others are closed through the common close
    /// callback, which tells their owners (`UVHandleOwner`).
    public func shutdown() {
        precondition(!inEventLoop, "EventLoop.shutdown() must not be called on the loop's own thread")
        let first = joined.withLock { j -> Bool in
            if j { return false }
            j = true
            return true
        }
        guard first else { return }
        enqueue(.run { [unowned self] in self.closeAllHandles() })
        pthread_join(threadID, nil)
    }

    // MARK: - Loop thread

    private func threadMain() {
        threadID = pthread_self()
        _ = swerve_name_current_thread(String(decoding: name.utf8.prefix(15), as: UTF8.self))
        started.signal()
        uv_run(uvLoop, UV_RUN_DEFAULT)
        // Every handle is closed; run once more for any close callbacks queued
        // by the last callbacks, then free the loop's resources.
        uv_run(uvLoop, UV_RUN_NOWAIT)
        let rc = uv_loop_close(uvLoop)
        assert(rc == 0, "uv_loop_close: handles still open on \(name)")
        // Drop tasks that raced with shutdown; their closures are released here.
        queue.withLock { $0.tasks.removeAll() }
        flushList.removeAll()
    }

    private func drainQueue() {
        // Swap under the lock (producers get our empty array, capacity kept),
        // run outside it.
        queue.withLock { q in swap(&q.tasks, &draining) }
        for task in draining {
            switch task {
            case .run(let body): body()
            case .reply(let target, let generation, let payload): target.deliverReply(payload, generation: generation)
            }
        }
        draining.removeAll(keepingCapacity: true)
    }

    private func flushScheduled() {
        while !flushList.isEmpty {
            swap(&flushList, &flushing)
            for target in flushing {
                target.isFlushScheduled = false
                target.flushBufferedOutput()
            }
            flushing.removeAll(keepingCapacity: true)
        }
    }

    private func closeAllHandles() {
        queue.withLock { $0.closed = true }
        // Run what was queued before the door closed.
        drainQueue()
        flushScheduled()
        uv_walk(uvLoop, { handle, _ in
            if let handle { UVHandle.close(handle) }
        }, nil)
    }
}
