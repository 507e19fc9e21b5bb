import Transport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class StreamServerTests: XCTestCase {
    var group: EventLoopGroup!

    override func setUpWithError() throws { group = try EventLoopGroup(loopCount: 2, name: "stream-test") }
    override func tearDown() { group.shutdown() }

    private func start(_ options: StreamServer.Options = StreamServer.Options()) throws -> StreamServer {
        try StreamServer(host: "127.0.0.1", port: 0, group: group, options: options) { _ in EchoHandler() }
    }

    func testEchoesBytesOnSeveralConnections() throws {
        let server = try start()
        defer { server.shutdown(grace: .seconds(1)) }
        let a = try TestSocket(port: server.boundPort)
        let b = try TestSocket(port: server.boundPort)
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        a.send(big)
        b.send(Array("hello".utf8))
        XCTAssertEqual(b.read(count: 5), Array("hello".utf8))
        XCTAssertEqual(a.read(count: big.count), big)
    }

    func testGracefulCloseAfterEOFDeliversEverything() throws {
        let server = try start()
        defer { server.shutdown(grace: .seconds(1)) }
        let s = try TestSocket(port: server.boundPort)
        let payload = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        s.send(payload)
        s.shutdownWrite()
        XCTAssertEqual(s.readToEnd(), payload)
    }

    func testConnectionsBeyondTheLimitAreClosed() throws {
        let server = try start(StreamServer.Options(maxConnections: 1))
        defer { server.shutdown(grace: .seconds(1)) }
        let first = try TestSocket(port: server.boundPort)
        first.send([1])
        XCTAssertEqual(first.read(count: 1), [1])
        let second = try TestSocket(port: server.boundPort)
        XCTAssertEqual(second.readToEnd(), [], "closed without a byte")
    }

    func testShutdownClosesOpenConnectionsAndStopsListening() throws {
        let server = try start()
        let s = try TestSocket(port: server.boundPort)
        s.send([7])
        XCTAssertEqual(s.read(count: 1), [7])
        let port = server.boundPort
        server.shutdown(grace: .seconds(1))
        XCTAssertEqual(s.readToEnd(), [])
        XCTAssertThrowsError(try TestSocket(port: port))
    }

    func testPortInUseIsAnError() throws {
        let server = try start()
        defer { server.shutdown(grace: .seconds(1)) }
        XCTAssertThrowsError(try StreamServer(host: "127.0.0.1", port: server.boundPort, group: group) { _ in EchoHandler() })
    }
}
