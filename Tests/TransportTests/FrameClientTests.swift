import SwerveTestSupport
import Primitives
import Synchronization
import Transport
import XCTest

final class FrameClientTests: XCTestCase {
    private var loop: EventLoop!

    override func setUpWithError() throws {
        loop = try EventLoop(name: "client-test")
    }

    override func tearDown() {
        loop.shutdown()
    }

    private func startServer(_ handler: FrameHandler) throws -> FrameServer {
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: handler)
        addTeardownBlock { server.shutdown(grace: .milliseconds(100)) }
        return server
    }

    /// Waits for an asynchronous result delivered on the loop thread.
    private final class Box<T>: @unchecked Sendable {
        private let lock = Locked<T?>(nil)
        private let done = Semaphore()
        func set(_ value: T) { lock.withLock { $0 = value }; done.signal() }
        func wait(_ timeout: Duration = .seconds(10)) -> T? {
            guard done.wait(timeout: timeout) else { return nil }
            return lock.withLock { $0 }
        }
    }

    private func connect(_ client: FrameClient) throws {
        let result = Box<Result<Void, Error>>()
        client.connect { result.set($0) }
        try XCTUnwrap(result.wait(), "connect did not complete").get()
    }

    func testPipelinedCallsAreAllAnsweredInOrder() throws {
        let server = try startServer(ReversingHandler())
        let client = FrameClient(host: "127.0.0.1", port: server.boundPort, loop: loop)
        try connect(client)
        let count = 2000
        let results = Locked<[Int: [UInt8]]>([:])
        let done = Semaphore()
        for i in 0..<count {
            client.call(idPayload(UInt64(i))) { result in
                let finished = results.withLock { r -> Bool in
                    r[i] = try? result.get()
                    return r.count == count
                }
                if finished { done.signal() }
            }
        }
        XCTAssertTrue(done.wait(timeout: .seconds(20)), "all calls answered")
        results.withLock { r in
            for i in 0..<count { XCTAssertEqual(r[i], idPayload(UInt64(i)).reversed()) }
        }
        XCTAssertEqual(client.pendingCallCount, 0)
        client.close()
    }

    func testOutOfOrderRepliesAreMatchedByID() throws {
        let handler = WorkerThreadHandler(batch: 5)
        defer { handler.shutdown() }
        let server = try startServer(handler)
        let options = FrameClient.Options(correlation: .byID { payload in
            payload.count >= 8 ? idOf(Array(payload.prefix(8))) : nil
        })
        let client = FrameClient(host: "localhost", port: server.boundPort, loop: loop, options: options)
        try connect(client)
        let mismatches = Atomic<Int>(0)
        let remaining = Atomic<Int>(300)
        let done = Semaphore()
        for i in 0..<300 {
            let payload = idPayload(UInt64(i), [UInt8(i % 256)])
            client.call(payload, id: UInt64(i)) { result in
                if (try? result.get()) != payload { mismatches.add(1, ordering: .relaxed) }
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.signal() }
            }
        }
        XCTAssertTrue(done.wait(timeout: .seconds(20)))
        XCTAssertEqual(mismatches.load(ordering: .relaxed), 0)
        client.close()
    }

    func testRequestTimeoutFailsTheCallAndLaterCallsStillWork() throws {
        let handler = HoldingHandler()
        let server = try startServer(handler)
        let client = FrameClient(host: "127.0.0.1", port: server.boundPort, loop: loop)
        try connect(client)
        let result = Box<Result<[UInt8], Error>>()
        client.call([1], timeout: .milliseconds(100)) { result.set($0) }
        let outcome = try XCTUnwrap(result.wait())
        XCTAssertThrowsError(try outcome.get()) { error in
            XCTAssertEqual(error as? TransportError, .timedOut(after: .milliseconds(100)))
        }
        // The late response to the timed-out call is discarded; the next call
        // gets its own response.
        handler.releaseAll()
        let second = Box<Result<[UInt8], Error>>()
        client.call([2]) { second.set($0) }
        waitUntil("second request held") { handler.heldCount == 1 }
        handler.releaseAll()
        XCTAssertEqual(try XCTUnwrap(second.wait()).get(), [2])
        client.close()
    }

    func testConnectionRefusedIsReported() throws {
        // Bind a port, then free it, so nothing listens there.
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: ReversingHandler())
        let port = server.boundPort
        server.shutdown(grace: .zero)
        let client = FrameClient(host: "127.0.0.1", port: port, loop: loop)
        let result = Box<Result<Void, Error>>()
        client.connect { result.set($0) }
        XCTAssertThrowsError(try XCTUnwrap(result.wait()).get()) { error in
            XCTAssertEqual((error as? UVError)?.kind, .connectionRefused, "\(error)")
        }
        XCTAssertEqual(client.currentState, .closed)
    }

    func testUnresolvableHostIsReported() throws {
        let client = FrameClient(host: "no-such-host.invalid", port: 1, loop: loop)
        let result = Box<Result<Void, Error>>()
        client.connect { result.set($0) }
        XCTAssertThrowsError(try XCTUnwrap(result.wait()).get()) { error in
            guard case TransportError.invalidAddress = error else { return XCTFail("\(error)") }
        }
    }

    func testServerClosingFailsPendingCallsAndClientCanReconnect() throws {
        let handler = HoldingHandler()
        let server = try startServer(handler)
        let closed = Box<Error?>()
        let client = FrameClient(host: "127.0.0.1", port: server.boundPort, loop: loop, onClose: { closed.set($0) })
        try connect(client)
        let result = Box<Result<[UInt8], Error>>()
        client.call([1]) { result.set($0) }
        waitUntil("request held") { handler.heldCount == 1 }
        client.close()
        XCTAssertThrowsError(try XCTUnwrap(result.wait()).get()) { error in
            XCTAssertEqual(error as? TransportError, .connectionClosed)
        }
        XCTAssertTrue(closed.wait() != nil, "onClose was called")
        handler.releaseAll()
        // Reconnect on the same client.
        try connect(client)
        let again = Box<Result<[UInt8], Error>>()
        client.call([9]) { again.set($0) }
        waitUntil("request held again") { handler.heldCount == 1 }
        handler.releaseAll()
        XCTAssertEqual(try XCTUnwrap(again.wait()).get(), [9])
        client.close()
    }

    func testCallsMadeWhileConnectingAreSentOnceConnected() throws {
        let server = try startServer(ReversingHandler())
        let client = FrameClient(host: "127.0.0.1", port: server.boundPort, loop: loop)
        let result = Box<Result<[UInt8], Error>>()
        client.connect { _ in }
        client.call([1, 2, 3]) { result.set($0) }
        XCTAssertEqual(try XCTUnwrap(result.wait()).get(), [3, 2, 1])
        client.close()
    }

    func testCallWithoutConnectFails() throws {
        let client = FrameClient(host: "127.0.0.1", port: 1, loop: loop)
        let result = Box<Result<[UInt8], Error>>()
        client.call([1]) { result.set($0) }
        XCTAssertThrowsError(try XCTUnwrap(result.wait()).get()) { error in
            XCTAssertEqual(error as? TransportError, .notConnected)
        }
    }
}

