import SwerveTestSupport
import Primitives
import Synchronization
import Transport
import XCTest

final class EventLoopTests: XCTestCase {
    func testExecuteRunsEveryTaskOnTheLoopThreadFromManyThreads() throws {
        let loop = try EventLoop(name: "exec-test")
        defer { loop.shutdown() }
        let ran = Atomic<Int>(0)
        let offLoop = Atomic<Int>(0)
        runConcurrently(8) { _ in
            for _ in 0..<5000 {
                loop.execute {
                    if !loop.inEventLoop { offLoop.add(1, ordering: .relaxed) }
                    ran.add(1, ordering: .relaxed)
                }
            }
        }
        // uv_async_send coalesces wake-ups; the queue must not lose tasks.
        waitUntil("all tasks ran") { ran.load(ordering: .relaxed) == 40_000 }
        XCTAssertEqual(offLoop.load(ordering: .relaxed), 0)
        XCTAssertFalse(loop.inEventLoop)
    }

    func testTasksRunInSubmissionOrderFromOneThread() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let seen = Locked<[Int]>([])
        for i in 0..<1000 { loop.execute { seen.withLock { $0.append(i) } } }
        waitUntil("all ran") { seen.withLock { $0.count } == 1000 }
        XCTAssertEqual(seen.withLock { $0 }, Array(0..<1000))
    }

    func testSubmitAndWaitReturnsTheResultOrRethrows() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        XCTAssertEqual(try loop.submitAndWait { loop.inEventLoop }, true)
        struct Boom: Error {}
        XCTAssertThrowsError(try loop.submitAndWait { throw Boom() }) { XCTAssertTrue($0 is Boom) }
    }

    func testScheduledTaskRunsAfterTheDelay() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let fired = Atomic<Bool>(false)
        let clock = ContinuousClock()
        let start = clock.now
        loop.schedule(after: .milliseconds(50)) { fired.store(true, ordering: .relaxed) }
        waitUntil("timer fired") { fired.load(ordering: .relaxed) }
        XCTAssertGreaterThanOrEqual(clock.now - start, .milliseconds(45))
    }

    func testRepeatingTimerCanBeStoppedAndClosed() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let ticks = Atomic<Int>(0)
        let timer = try loop.submitAndWait { () -> LoopTimer in
            let t = LoopTimer(on: loop) { ticks.add(1, ordering: .relaxed) }
            t.start(after: .milliseconds(1), repeating: .milliseconds(1))
            return t
        }
        waitUntil("ticks") { ticks.load(ordering: .relaxed) >= 5 }
        try loop.submitAndWait {
            timer.stop()
            XCTAssertFalse(timer.isActive)
            timer.close()
        }
        let after = ticks.load(ordering: .relaxed)
        // Round-trip through the loop twice: a stopped timer does not tick.
        try loop.submitAndWait {}
        try loop.submitAndWait {}
        XCTAssertEqual(ticks.load(ordering: .relaxed), after)
    }

    func testShutdownJoinsAndLaterTasksAreDropped() throws {
        let loop = try EventLoop()
        loop.shutdown()
        loop.shutdown() // idempotent
        XCTAssertThrowsError(try loop.submitAndWait { 1 }) {
            XCTAssertEqual($0 as? TransportError, .shutDown)
        }
    }

    func testShutdownClosesHandlesLeftOpen() throws {
        let loop = try EventLoop()
        try loop.submitAndWait {
            // A timer nobody closes: shutdown must still finish.
            LoopTimer(on: loop) {}.start(after: .seconds(3600))
        }
        loop.shutdown()
    }
}
