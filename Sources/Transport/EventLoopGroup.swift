import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of ``EventLoop``s, one thread each. Thread-safe.
public final class EventLoopGroup: Sendable {
    /// The loops, in creation order.
    public let loops: [EventLoop]
    private let cursor = Atomic<Int>(0)

    /// One loop per online processor.
    public static var defaultLoopCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Starts `loopCount` loops named `name-0`, `name-1`, ….
    public init(loopCount: Int = EventLoopGroup.defaultLoopCount, name: String = "swerve-loop", readBufferSize: Int = 64 * 1024) throws {
        precondition(loopCount >= 1, "an EventLoopGroup needs at least one loop")
        var loops: [EventLoop] = []
        do {
            for i in 0..<loopCount {
                loops.append(try EventLoop(name: "\(name)-\(i)", readBufferSize: readBufferSize))
            }
        } catch {
            for loop in loops { loop.shutdown() }
            throw error
        }
        self.loops = loops
    }

    /// The next loop in round-robin order (to spread clients over loops).
    public func next() -> EventLoop {
        loops[cursor.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// Shuts every loop down and joins their threads. Not from a loop thread.
    public func shutdown() {
        for loop in loops { loop.shutdown() }
    }
}
