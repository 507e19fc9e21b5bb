import Primitives
import Transport
import Wire

/// A one-shot slot a blocking caller waits on while an asynchronous call
/// completes on another thread.
final class OneShot<Value: Sendable>: Sendable {
    private let slot = Locked<Value?>(nil)
    private let ready = Semaphore()

    func fulfil(_ value: Value) {
        slot.withLock { $0 = value }
        ready.signal()
    }

    func wait() -> Value {
        ready.wait()
        return slot.withLock { $0! }
    }
}

typealias ResponseBox = OneShot<Response>
