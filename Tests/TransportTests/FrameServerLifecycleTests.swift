import SwerveTestSupport
import Primitives
import Synchronization
import Transport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class FrameServerLifecycleTests: XCTestCase {
    func testSignalStartsGracefulShutdown() throws {
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: ReversingHandler())
        // SIGUSR2 stands in for SIGTERM so a stray signal cannot kill the test runner.
        try server.shutdownOnSignals([SIGUSR2], grace: .milliseconds(200))
        let c = try BlockingFrameClient(host: "127.0.0.1", port: server.boundPort)
        XCTAssertEqual(try c.call([1, 2]), [2, 1])
        c.close()
        raise(SIGUSR2)
        let done = Atomic<Bool>(false)
        let waiter = TestThread {
            server.waitUntilShutdown()
            done.store(true, ordering: .relaxed)
        }
        waitUntil("shutdown after the signal") { done.load(ordering: .relaxed) }
        waiter.join()
        XCTAssertTrue(server.isShutDown)
    }

    func testSharedGroupOutlivesServerAndLateRepliesAreDropped() throws {
        let group = try EventLoopGroup(loopCount: 2, name: "shared")
        defer { group.shutdown() }
        let handler = HoldingHandler()
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: handler, group: group)
        let c = try BlockingFrameClient(host: "127.0.0.1", port: server.boundPort)
        try c.send([1])
        waitUntil("request held") { handler.heldCount == 1 }
        server.shutdown(grace: .milliseconds(50))
        // The loops still run; a reply for the closed connection is dropped.
        handler.releaseAll()
        let ran = Atomic<Bool>(false)
        for loop in group.loops { try loop.submitAndWait { ran.store(true, ordering: .relaxed) } }
        XCTAssertTrue(ran.load(ordering: .relaxed))
        // And the group can host a new server.
        let second = try FrameServer(host: "127.0.0.1", port: 0, handler: ReversingHandler(), group: group)
        XCTAssertEqual(try BlockingFrameClient(host: "127.0.0.1", port: second.boundPort).call([3, 4]), [4, 3])
        second.shutdown(grace: .milliseconds(50))
    }

    func testReplyWrittenInPlace() throws {
        final class InPlace: FrameHandler {
            func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
                let n = payload.count
                reply.send(length: n * 2) { out in
                    for i in 0..<n { out[2 * i] = payload[i]; out[2 * i + 1] = payload[i] }
                }
            }
            func framingErrorResponse(_ error: FrameError) -> [UInt8] { [] }
        }
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: InPlace())
        defer { server.shutdown(grace: .milliseconds(50)) }
        let c = try BlockingFrameClient(host: "127.0.0.1", port: server.boundPort)
        XCTAssertEqual(try c.call([1, 2, 3]), [1, 1, 2, 2, 3, 3])
    }

    func testSecondReplyForOneRequestIsDropped() throws {
        final class Twice: FrameHandler {
            func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
                reply.send(Array(payload))
                reply.send([0xEE]) // contract violation: must not reach the client
            }
            func framingErrorResponse(_ error: FrameError) -> [UInt8] { [] }
        }
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: Twice())
        defer { server.shutdown(grace: .milliseconds(50)) }
        let c = try BlockingFrameClient(host: "127.0.0.1", port: server.boundPort)
        XCTAssertEqual(try c.call([1]), [1])
        XCTAssertEqual(try c.call([2]), [2])
        XCTAssertEqual(server.statistics().repliesDropped, 2)
    }

    func testInvalidLimitsAreRejected() {
        var limits = ServerLimits()
        limits.maxInFlightPerConnection = 0
        XCTAssertThrowsError(try FrameServer(host: "127.0.0.1", port: 0, handler: ReversingHandler(), limits: limits)) { error in
            XCTAssertTrue("\(error)".contains("maxInFlightPerConnection"), "\(error)")
        }
    }
}

final class FrameClientFramingTests: XCTestCase {
    /// A raw TCP listener on 127.0.0.1 that writes `bytes` to the first
    /// connection and keeps it open.
    private func rawServer(sending bytes: [UInt8]) throws -> (port: Int, thread: TestThread, fd: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(bound, 0)
        listen(fd, 4)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let thread = TestThread {
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { return }
            _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            // Hold the connection until the client closes it.
            var scratch = [UInt8](repeating: 0, count: 64)
            while scratch.withUnsafeMutableBytes({ read(connection, $0.baseAddress, $0.count) }) > 0 {}
            close(connection)
        }
        return (port, thread, fd)
    }

    func testClientFailsPendingCallsOnAFramingError() throws {
        let loop = try EventLoop(name: "framing-client")
        defer { loop.shutdown() }
        let raw = try rawServer(sending: [0x01, 0, 0, 0, 1, 42])
        defer { close(raw.fd); raw.thread.join() }
        let closeCause = Locked<Error?>(nil)
        let closed = Atomic<Bool>(false)
        let client = FrameClient(host: "127.0.0.1", port: raw.port, loop: loop, onClose: { error in
            closeCause.withLock { $0 = error }
            closed.store(true, ordering: .relaxed)
        })
        let failure = Locked<Error?>(nil)
        let connected = Atomic<Bool>(false)
        client.connect { _ in connected.store(true, ordering: .relaxed) }
        client.call([1]) { result in
            if case .failure(let error) = result { failure.withLock { $0 = error } }
        }
        waitUntil("client closed") { closed.load(ordering: .relaxed) }
        XCTAssertTrue(connected.load(ordering: .relaxed))
        XCTAssertEqual(closeCause.withLock { $0 } as? TransportError, .framing(.compressedFlagUnsupported))
        XCTAssertEqual(failure.withLock { $0 } as? TransportError, .framing(.compressedFlagUnsupported))
    }

    func testBlockingClientReportsAFramingError() throws {
        let raw = try rawServer(sending: [0x80, 0, 0, 0, 0])
        defer { close(raw.fd); raw.thread.join() }
        let c = try BlockingFrameClient(host: "127.0.0.1", port: raw.port, ioTimeout: .seconds(5))
        XCTAssertThrowsError(try c.receive()) { error in
            XCTAssertEqual(error as? TransportError, .framing(.reservedFlags(0x80)))
        }
        c.close()
    }

    func testBlockingClientReceiveTimesOut() throws {
        let raw = try rawServer(sending: [])
        defer { close(raw.fd); raw.thread.join() }
        let c = try BlockingFrameClient(host: "127.0.0.1", port: raw.port, ioTimeout: .milliseconds(100))
        XCTAssertThrowsError(try c.receive()) { error in
            XCTAssertEqual(error as? TransportError, .timedOut(after: .milliseconds(100)))
        }
        c.close()
    }
}
