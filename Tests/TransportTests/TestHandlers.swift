import Primitives
import Synchronization
import Transport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Replies at once, on the loop thread, with the payload reversed.
final class ReversingHandler: FrameHandler {
    let handled = Atomic<Int>(0)

    func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
        handled.add(1, ordering: .relaxed)
        reply.send(Array(payload.reversed()))
    }

    func framingErrorResponse(_ error: FrameError) -> [UInt8] {
        Array("ERR \(error)".utf8)
    }

    func connectionLimitResponse() -> [UInt8]? {
        Array("BUSY".utf8)
    }
}

/// Keeps every reply until told to release them; replies with the payload.
final class HoldingHandler: FrameHandler, @unchecked Sendable {
    private let held = Locked<[(FrameReply, [UInt8])]>([])

    var heldCount: Int { held.withLock { $0.count } }

    func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
        let copy = Array(payload)
        held.withLock { $0.append((reply, copy)) }
    }

    /// Sends all held replies from the calling (non-loop) thread, newest first.
    func releaseAll() {
        let replies = held.withLock { h -> [(FrameReply, [UInt8])] in
            defer { h.removeAll() }
            return h
        }
        for (reply, payload) in replies.reversed() { reply.send(payload) }
    }

    func framingErrorResponse(_ error: FrameError) -> [UInt8] { Array("ERR".utf8) }
}

/// Replies from a worker thread, in reverse order of arrival per batch of
/// `batch` requests (so replies overtake each other).
final class WorkerThreadHandler: FrameHandler, @unchecked Sendable {
    private let queue = Locked<[(FrameReply, [UInt8])]>([])
    private let batch: Int
    private let stop = Atomic<Bool>(false)
    private var thread = pthread_t()

    init(batch: Int) {
        self.batch = batch
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { arg in
            let handler = Unmanaged<WorkerThreadHandler>.fromOpaque(arg!).takeRetainedValue()
            handler.run()
            return nil
        }, box)
    }

    func shutdown() {
        stop.store(true, ordering: .relaxed)
        pthread_join(thread, nil)
    }

    private func run() {
        while !stop.load(ordering: .relaxed) {
            let work = queue.withLock { q -> [(FrameReply, [UInt8])] in
                defer { q.removeAll() }
                return q
            }
            if work.isEmpty {
                usleep(200) // a worker idling between polls of its queue
                continue
            }
            var i = 0
            while i < work.count {
                let end = min(i + batch, work.count)
                for (reply, payload) in work[i..<end].reversed() { reply.send(payload) }
                i = end
            }
        }
    }

    func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
        let copy = Array(payload)
        queue.withLock { $0.append((reply, copy)) }
    }

    func framingErrorResponse(_ error: FrameError) -> [UInt8] { Array("ERR".utf8) }
}

/// Polls `condition` until it holds or `timeout` passes (no fixed sleeps
/// standing in for synchronisation: the wait ends as soon as it holds).
/// Encodes a request id as 8 big-endian bytes followed by `body`.
func idPayload(_ id: UInt64, _ body: [UInt8] = []) -> [UInt8] {
    withUnsafeBytes(of: id.bigEndian) { Array($0) } + body
}

func idOf(_ payload: [UInt8]) -> UInt64? {
    guard payload.count >= 8 else { return nil }
    return payload.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
}

/// A value behind a pthread mutex (visible to ThreadSanitizer, unlike
/// `Synchronization.Mutex` on Linux).
final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
