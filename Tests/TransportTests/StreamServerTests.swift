import Transport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Echoes what it reads; on the peer's EOF, closes gracefully (the echo of
/// everything read still goes out first).
private final class EchoHandler: StreamHandler {
    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) { connection.write(bytes) }
    func streamDidReadEOF(_ connection: StreamConnection) { connection.closeGracefully() }
    func streamDidWrite(_ connection: StreamConnection) {}
    func streamSweep(_ connection: StreamConnection, now: UInt64) {}
    func streamServerWillShutDown(_ connection: StreamConnection) { connection.closeGracefully() }
    func streamDidClose(_ connection: StreamConnection) {}
}

/// A blocking loopback TCP client.
private final class Socket {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until EOF (or the timeout); nil on a timeout or error.
    func readToEnd() -> [UInt8]? {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return all }
            if n < 0 { return nil }
            all += chunk[0..<n]
        }
    }

    func read(count: Int) -> [UInt8]? {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while all.count < count {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            all += chunk[0..<n]
        }
        return all
    }
}

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
        let a = try Socket(port: server.boundPort)
        let b = try Socket(port: server.boundPort)
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        a.send(big)
        b.send(Array("hello".utf8))
        XCTAssertEqual(b.read(count: 5), Array("hello".utf8))
        XCTAssertEqual(a.read(count: big.count), big)
    }

    func testGracefulCloseAfterEOFDeliversEverything() throws {
        let server = try start()
        defer { server.shutdown(grace: .seconds(1)) }
        let s = try Socket(port: server.boundPort)
        let payload = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        s.send(payload)
        s.shutdownWrite()
        XCTAssertEqual(s.readToEnd(), payload)
    }

    func testConnectionsBeyondTheLimitAreClosed() throws {
        let server = try start(StreamServer.Options(maxConnections: 1))
        defer { server.shutdown(grace: .seconds(1)) }
        let first = try Socket(port: server.boundPort)
        first.send([1])
        XCTAssertEqual(first.read(count: 1), [1])
        let second = try Socket(port: server.boundPort)
        XCTAssertEqual(second.readToEnd(), [], "closed without a byte")
    }

    func testShutdownClosesOpenConnectionsAndStopsListening() throws {
        let server = try start()
        let s = try Socket(port: server.boundPort)
        s.send([7])
        XCTAssertEqual(s.read(count: 1), [7])
        let port = server.boundPort
        server.shutdown(grace: .seconds(1))
        XCTAssertEqual(s.readToEnd(), [])
        XCTAssertThrowsError(try Socket(port: port))
    }

    func testPortInUseIsAnError() throws {
        let server = try start()
        defer { server.shutdown(grace: .seconds(1)) }
        XCTAssertThrowsError(try StreamServer(host: "127.0.0.1", port: server.boundPort, group: group) { _ in EchoHandler() })
    }
}
