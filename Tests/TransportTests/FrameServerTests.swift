import SwerveTestSupport
import Synchronization
import Transport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class FrameServerTests: XCTestCase {
    private func startServer(
        _ handler: FrameHandler,
        host: String = "127.0.0.1",
        limits: ServerLimits = ServerLimits()
    ) throws -> FrameServer {
        let server = try FrameServer(host: host, port: 0, handler: handler, limits: limits)
        addTeardownBlock { server.shutdown(grace: .milliseconds(100)) }
        return server
    }

    private func client(_ server: FrameServer, host: String = "127.0.0.1", timeout: Duration = .seconds(10)) throws -> BlockingFrameClient {
        try BlockingFrameClient(host: host, port: server.boundPort, ioTimeout: timeout)
    }

    func testPortZeroBindsAnEphemeralPortAndAnswers() throws {
        let server = try startServer(ReversingHandler())
        XCTAssertGreaterThan(server.boundPort, 0)
        let c = try client(server)
        XCTAssertEqual(try c.call([1, 2, 3]), [3, 2, 1])
        XCTAssertEqual(try c.call([]), [])
    }

    func testServesOnAllInterfacesAndIPv6Loopback() throws {
        let any = try startServer(ReversingHandler(), host: "0.0.0.0")
        XCTAssertEqual(try client(any).call([1, 2]), [2, 1])
        let v6 = try startServer(ReversingHandler(), host: "::1")
        XCTAssertEqual(try client(v6, host: "::1").call([4, 5]), [5, 4])
    }

    func testPortInUseIsATypedError() throws {
        let first = try startServer(ReversingHandler())
        XCTAssertThrowsError(try FrameServer(host: "127.0.0.1", port: first.boundPort, handler: ReversingHandler())) { error in
            XCTAssertEqual((error as? UVError)?.kind, .addressInUse, "\(error)")
            XCTAssertTrue("\(error)".contains("address already in use"), "\(error)")
        }
    }

    func testInvalidHostIsRejected() {
        XCTAssertThrowsError(try FrameServer(host: "256.1.2.3.4", port: 0, handler: ReversingHandler())) { error in
            guard case TransportError.invalidAddress = error else { return XCTFail("\(error)") }
        }
    }

    func testThousandPipelinedFramesOnOneConnectionAreAllAnswered() throws {
        let server = try startServer(ReversingHandler())
        let c = try client(server)
        let requests = (0..<1000).map { idPayload(UInt64($0), Array(repeating: UInt8($0 % 251), count: $0 % 50)) }
        try c.send(frames: requests)
        for request in requests {
            XCTAssertEqual(try c.receive(), request.reversed())
        }
        XCTAssertEqual(server.statistics().framesReceived, 1000)
    }

    func testRepliesFromAnotherThreadMayComeOutOfOrder() throws {
        let handler = WorkerThreadHandler(batch: 7)
        defer { handler.shutdown() }
        let server = try startServer(handler)
        let c = try client(server)
        let ids = Set((0..<500).map { UInt64($0) })
        try c.send(frames: ids.sorted().map { idPayload($0) })
        var seen: [UInt64] = []
        for _ in ids { seen.append(idOf(try c.receive())!) }
        XCTAssertEqual(Set(seen), ids)
        XCTAssertNotEqual(seen, seen.sorted(), "replies were expected to overtake each other")
    }

    func testSixtyFourConcurrentConnections() throws {
        let server = try startServer(ReversingHandler())
        let port = server.boundPort
        let failures = Atomic<Int>(0)
        runConcurrently(64) { index in
            do {
                let c = try BlockingFrameClient(host: "127.0.0.1", port: port, ioTimeout: .seconds(20))
                for i in 0..<200 {
                    let payload = idPayload(UInt64(index << 16 | i), [UInt8(index)])
                    if try c.call(payload) != payload.reversed() { failures.add(1, ordering: .relaxed) }
                }
            } catch {
                failures.add(1, ordering: .relaxed)
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
        let stats = server.statistics()
        XCTAssertEqual(stats.framesReceived, 64 * 200)
        XCTAssertEqual(stats.acceptedConnections, 64)
        XCTAssertEqual(stats.connectionsPerLoop.count, server.group.loops.count)
    }

    // MARK: Framing errors

    private func assertFramingError(_ bytes: [UInt8], expected: FrameError, limits: ServerLimits = ServerLimits(), file: StaticString = #filePath, line: UInt = #line) throws {
        let server = try startServer(ReversingHandler(), limits: limits)
        let bystander = try client(server)
        XCTAssertEqual(try bystander.call([1, 2]), [2, 1], file: file, line: line)
        let c = try client(server)
        // A good frame first: it is answered before the error.
        try c.send([7, 8])
        try c.sendRaw(bytes)
        XCTAssertEqual(try c.receive(), [8, 7], file: file, line: line)
        XCTAssertEqual(String(decoding: try c.receive(), as: UTF8.self), "ERR \(expected)", file: file, line: line)
        try c.waitForClose()
        // Other connections are unaffected.
        XCTAssertEqual(try bystander.call([3, 4]), [4, 3], file: file, line: line)
        XCTAssertEqual(try client(server).call([5]), [5], file: file, line: line)
        XCTAssertEqual(server.statistics().framingErrors, 1, file: file, line: line)
    }

    func testGarbageGetsAnErrorResponseThenTheConnectionCloses() throws {
        try assertFramingError(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), expected: .compressedFlagUnsupported)
        try assertFramingError(Array("PUT / HTTP/1.1\r\n\r\n".utf8), expected: .reservedFlags(UInt8(ascii: "P")))
    }

    func testCompressedFlagGetsAnErrorResponseThenClose() throws {
        try assertFramingError([0x01, 0, 0, 0, 1, 42], expected: .compressedFlagUnsupported)
    }

    func testOversizedLengthIsRefusedWithAnErrorResponse() throws {
        var limits = ServerLimits()
        limits.maxFrameLength = 1024
        try assertFramingError([0, 0, 0, 0x04, 0x01], expected: .frameTooLarge(length: 1025, limit: 1024), limits: limits)
        // The default limit: 16 MiB + 1 announced, never sent.
        try assertFramingError([0, 0x01, 0, 0, 0x01], expected: .frameTooLarge(length: 16 * 1024 * 1024 + 1, limit: 16 * 1024 * 1024))
    }

    // MARK: Limits

    func testInFlightCapStopsReadingUntilRepliesGoOut() throws {
        let handler = HoldingHandler()
        var limits = ServerLimits()
        limits.maxInFlightPerConnection = 16
        let server = try startServer(handler, limits: limits)
        let c = try client(server)
        try c.send(frames: (0..<100).map { idPayload(UInt64($0)) })
        waitUntil("16 requests held") { handler.heldCount == 16 }
        waitUntil("reading paused") { server.statistics().pausedConnections == 1 }
        let stats = server.statistics()
        XCTAssertEqual(stats.framesReceived, 16, "not one frame beyond the cap")
        XCTAssertEqual(stats.inFlightRequests, 16)
        XCTAssertGreaterThanOrEqual(stats.readPausesForInFlight, 1)

        var received = Set<UInt64>()
        while received.count < 100 {
            waitUntil("more requests held") { handler.heldCount > 0 }
            XCTAssertLessThanOrEqual(handler.heldCount, 16)
            let batch = handler.heldCount
            handler.releaseAll()
            for _ in 0..<batch { received.insert(idOf(try c.receive())!) }
        }
        XCTAssertEqual(received, Set((0..<100).map { UInt64($0) }))
        XCTAssertEqual(server.statistics().framesReceived, 100)
    }

    func testClientThatDoesNotReadMakesTheServerStopReading() throws {
        var limits = ServerLimits()
        limits.writeHighWaterMark = 256 * 1024
        limits.maxInFlightPerConnection = 1_000_000
        let server = try startServer(ReversingHandler(), limits: limits)
        let c = try client(server)
        // 4 KiB responses; the client never reads. The server must stop
        // reading once the kernel buffers fill and its own queue passes the
        // high-water mark, instead of buffering everything.
        let payload = [UInt8](repeating: 9, count: 4096)
        let writer = TestThread {
            // Blocks while the server is not reading.
            try? c.send(frames: Array(repeating: payload, count: 20_000))
        }
        var joined = false
        defer { if !joined { writer.join() } }
        waitUntil("server paused reading for backpressure") {
            server.statistics().readPausesForWriteBackpressure >= 1
        }
        let paused = server.statistics()
        XCTAssertEqual(paused.pausedConnections, 1)
        // Stays paused: nothing more is read while the client does not read.
        let frames = paused.framesReceived
        XCTAssertLessThan(frames, 20_000)
        // Now read everything: the server resumes and answers every frame.
        for _ in 0..<20_000 {
            let response = try c.receive()
            if response.count != 4096 { return XCTFail("response of \(response.count) bytes") }
        }
        writer.join()
        joined = true
        XCTAssertEqual(server.statistics().framesReceived, 20_000)
    }

    func testIdleConnectionIsClosed() throws {
        var limits = ServerLimits()
        limits.idleTimeout = .milliseconds(200)
        let server = try startServer(ReversingHandler(), limits: limits)
        let c = try client(server)
        XCTAssertEqual(try c.call([1]), [1])
        let clock = ContinuousClock()
        let start = clock.now
        try c.waitForClose()
        XCTAssertGreaterThanOrEqual(clock.now - start, .milliseconds(150))
        c.close()
        waitUntil("idle closure counted") { server.statistics().idleClosures == 1 }
        waitUntil("connection gone") { server.statistics().openConnections == 0 }
    }

    func testBusyConnectionIsNotClosedAsIdle() throws {
        let handler = HoldingHandler()
        var limits = ServerLimits()
        limits.idleTimeout = .milliseconds(100)
        let server = try startServer(handler, limits: limits)
        let c = try client(server)
        try c.send([1])
        waitUntil("request held") { handler.heldCount == 1 }
        // Idle timeout counts from the last traffic, but a request is in flight:
        // wait for a few sweeps' worth of the server's own clock.
        let clock = ContinuousClock()
        let until = clock.now + .milliseconds(400)
        waitUntil("time passes") { clock.now >= until }
        XCTAssertEqual(server.statistics().idleClosures, 0)
        handler.releaseAll()
        XCTAssertEqual(try c.receive(), [1])
    }

    func testConnectionsBeyondTheLimitAreClosedPolitely() throws {
        var limits = ServerLimits()
        limits.maxConnections = 3
        let server = try startServer(ReversingHandler(), limits: limits)
        let clients = try (0..<3).map { _ in try client(server) }
        for c in clients { XCTAssertEqual(try c.call([1, 2]), [2, 1]) }
        let extra = try client(server)
        XCTAssertEqual(String(decoding: try extra.receive(), as: UTF8.self), "BUSY")
        try extra.waitForClose()
        extra.close()
        XCTAssertEqual(server.statistics().rejectedConnections, 1)
        // Room again once one closes.
        clients[0].close()
        waitUntil("slot freed") { server.statistics().openConnections <= 2 }
        XCTAssertEqual(try client(server).call([3, 4]), [4, 3])
    }

    // MARK: Shutdown

    func testGracefulShutdownDeliversInFlightRepliesAndRefusesNewConnections() throws {
        let handler = HoldingHandler()
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: handler)
        let port = server.boundPort
        let c = try BlockingFrameClient(host: "127.0.0.1", port: port, ioTimeout: .seconds(10))
        try c.send(frames: (0..<5).map { idPayload(UInt64($0)) })
        waitUntil("requests held") { handler.heldCount == 5 }

        let shutdownDone = Atomic<Bool>(false)
        let shutter = TestThread {
            server.shutdown(grace: .seconds(20))
            shutdownDone.store(true, ordering: .relaxed)
        }
        // New connections are refused once shutdown has begun.
        waitUntil("listener closed") {
            do {
                _ = try BlockingFrameClient(host: "127.0.0.1", port: port, connectTimeout: .seconds(1))
                return false
            } catch let error as UVError {
                return error.kind == .connectionRefused
            } catch {
                return false
            }
        }
        XCTAssertFalse(shutdownDone.load(ordering: .relaxed), "shutdown waits for in-flight requests")
        handler.releaseAll()
        var ids = Set<UInt64>()
        for _ in 0..<5 { ids.insert(idOf(try c.receive())!) }
        XCTAssertEqual(ids, Set(0..<5))
        try c.waitForClose()
        c.close()
        shutter.join()
        XCTAssertTrue(shutdownDone.load(ordering: .relaxed))
        XCTAssertTrue(server.isShutDown)
    }

    func testShutdownIsBoundedByGraceWhenRepliesNeverCome() throws {
        let handler = HoldingHandler()
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: handler)
        let c = try BlockingFrameClient(host: "127.0.0.1", port: server.boundPort)
        try c.send([1])
        waitUntil("request held") { handler.heldCount == 1 }
        let clock = ContinuousClock()
        let start = clock.now
        server.shutdown(grace: .milliseconds(200))
        XCTAssertLessThan(clock.now - start, .seconds(5))
        XCTAssertThrowsError(try c.receive())
        // A reply after shutdown is dropped without harm.
        handler.releaseAll()
    }
}

/// A joinable thread for tests.
final class TestThread: @unchecked Sendable {
    private var tid = pthread_t()
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }

    init(_ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(&tid, nil, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box)
    }

    func join() { pthread_join(tid, nil) }
}

/// Runs `body(0..<count)` on `count` threads and waits for all.
func runConcurrently(_ count: Int, _ body: @escaping (Int) -> Void) {
    let threads = (0..<count).map { i in TestThread { body(i) } }
    for t in threads { t.join() }
}
