import Primitives
import SwerveTestSupport
import Transport
import XCTest

/// Hands what it reads on one byte at a time, as TLS hands on a read that
/// held several records: each piece must reach the handler of the moment.
private final class PieceByPieceTransform: ByteTransform {
    func inbound(_ bytes: UnsafeRawBufferPointer, deliver: (UnsafeRawBufferPointer) -> Void,
                 reply: (UnsafeRawBufferPointer) -> Void) throws {
        for i in bytes.indices { deliver(UnsafeRawBufferPointer(rebasing: bytes[i..<i + 1])) }
    }

    func outbound(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws { emit(bytes) }
}

private struct PieceByPieceTransforms: ByteTransformFactory {
    func makeTransform(for connection: StreamConnection) throws -> ByteTransform { PieceByPieceTransform() }
}

/// A FrameServer port shared with a second protocol chosen by the first
/// byte, as gRPC shares swerve's port 8500.
final class SharedPortTests: XCTestCase {
    private func server(_ limits: ServerLimits = ServerLimits()) throws -> FrameServer {
        try FrameServer(host: "127.0.0.1", port: 0, handler: ReversingHandler(), limits: limits,
                        sharedWith: .http2 { _ in PrefaceHandler() })
    }

    func testFramesAndTheSecondProtocolShareOnePort() throws {
        let server = try self.server()
        defer { server.shutdown(grace: .seconds(1)) }
        let frames = try TestSocket(port: server.boundPort)
        let other = try TestSocket(port: server.boundPort)
        frames.send(Frame.encode([1, 2, 3]))
        other.send(Array("PRI *".utf8))
        XCTAssertEqual(frames.read(count: 8), Frame.encode([3, 2, 1]))
        XCTAssertEqual(other.read(count: 8), Array("H2 PRI *".utf8))
        XCTAssertEqual(server.statistics().openConnections, 2)
    }

    func testBytesAfterTheChoiceInTheSameReadGoToTheChosenHandler() throws {
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: ReversingHandler(), transforms: PieceByPieceTransforms(),
                                     sharedWith: .http2 { _ in PrefaceHandler() })
        defer { server.shutdown(grace: .seconds(1)) }
        let frames = try TestSocket(port: server.boundPort)
        frames.send(Frame.encode([1, 2, 3]) + Frame.encode([4]))
        XCTAssertEqual(frames.read(count: 14), Frame.encode([3, 2, 1]) + Frame.encode([4]))
        let other = try TestSocket(port: server.boundPort)
        other.send(Array("PRI *".utf8))
        XCTAssertEqual(other.read(count: 8), Array("H2 PRI *".utf8))
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
        XCTAssertEqual(other.read(count: 4), Array("H2 P".utf8))
        server.shutdown(grace: .seconds(1))
        XCTAssertEqual(frames.readToEnd(), [])
        XCTAssertEqual(other.readToEnd(), [])
    }
}
