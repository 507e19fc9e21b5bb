import Primitives
import SwerveTestSupport
import Transport
import XCTest

/// Answers "P:" and echoes: stands in for gRPC's HTTP/2 handler.
private final class SecondProtocolHandler: StreamHandler {
    private var answered = false
    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        if !answered { connection.write(Array("P:".utf8)) }
        answered = true
        connection.write(bytes)
    }
    func streamDidReadEOF(_ connection: StreamConnection) { connection.closeGracefully() }
    func streamDidWrite(_ connection: StreamConnection) {}
    func streamDidClose(_ connection: StreamConnection) {}
}

/// A FrameServer port shared with a second protocol chosen by the first
/// byte, as gRPC shares swerve's port 8500.
final class SharedPortTests: XCTestCase {
    private func server(_ limits: ServerLimits = ServerLimits()) throws -> FrameServer {
        try FrameServer(host: "127.0.0.1", port: 0, handler: ReversingHandler(), limits: limits,
                        sharedWith: .http2 { _ in SecondProtocolHandler() })
    }

    func testFramesAndTheSecondProtocolShareOnePort() throws {
        let server = try self.server()
        defer { server.shutdown(grace: .seconds(1)) }
        let frames = try TestSocket(port: server.boundPort)
        let other = try TestSocket(port: server.boundPort)
        frames.send(Frame.encode([1, 2, 3]))
        other.send(Array("PRI *".utf8))
        XCTAssertEqual(frames.read(count: 8), Frame.encode([3, 2, 1]))
        XCTAssertEqual(other.read(count: 7), Array("P:PRI *".utf8))
        XCTAssertEqual(server.statistics().openConnections, 2)
    }

    func testARefusedConnectionStillGetsTheFramesLimitAnswer() throws {
        let server = try self.server(ServerLimits(maxConnections: 1))
        defer { server.shutdown(grace: .seconds(1)) }
        let first = try TestSocket(port: server.boundPort)
        first.send(Frame.encode([9]))
        XCTAssertEqual(first.read(count: 6), Frame.encode([9]))
        let refused = try TestSocket(port: server.boundPort)
        refused.send(Frame.encode([1, 2]))
        XCTAssertEqual(refused.readToEnd(), Frame.encode(Array("BUSY".utf8)), "the limit answer, then the close; the frame is not served")
        let refusedOther = try TestSocket(port: server.boundPort)
        refusedOther.send(Array("PRI *".utf8))
        XCTAssertEqual(refusedOther.readToEnd(), [], "the second protocol's connection is closed unanswered")
    }

    func testAnUndecidedConnectionIsClosedAtTheIdleTimeout() throws {
        let server = try self.server(ServerLimits(idleTimeout: .milliseconds(200)))
        defer { server.shutdown(grace: .seconds(1)) }
        let silent = try TestSocket(port: server.boundPort)
        XCTAssertEqual(silent.readToEnd(), [], "closed without a byte sent either way")
        waitUntil("the closed connection is no longer counted") { server.statistics().openConnections == 0 }
    }

    func testShutdownClosesConnectionsOfBothProtocols() throws {
        let server = try self.server()
        let frames = try TestSocket(port: server.boundPort)
        let other = try TestSocket(port: server.boundPort)
        frames.send(Frame.encode([1]))
        other.send(Array("P".utf8))
        XCTAssertEqual(frames.read(count: 6), Frame.encode([1]))
        XCTAssertEqual(other.read(count: 3), Array("P:P".utf8))
        server.shutdown(grace: .seconds(1))
        XCTAssertEqual(frames.readToEnd(), [])
        XCTAssertEqual(other.readToEnd(), [])
    }
}
