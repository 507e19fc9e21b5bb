import Transport
import XCTest

/// Answers "H2 " followed by every byte it was handed (the replayed preface
/// included): stands in for gRPC's HTTP/2 handler.
final class PrefaceHandler: StreamHandler {
    private var answered = false
    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        if !answered { connection.write(Array("H2 ".utf8)) }
        answered = true
        connection.write(bytes)
    }
    func streamDidReadEOF(_ connection: StreamConnection) { connection.closeGracefully() }
    func streamDidWrite(_ connection: StreamConnection) {}
    func streamDidClose(_ connection: StreamConnection) {}
}

/// One port, two protocols told apart by the first bytes, as gRPC's HTTP/2
/// preface and swerve frames will be.
final class ProtocolSelectorTests: XCTestCase {
    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    var group: EventLoopGroup!
    var server: StreamServer!

    override func setUpWithError() throws {
        group = try EventLoopGroup(loopCount: 2, name: "selector-test")
        server = try StreamServer(host: "127.0.0.1", port: 0, group: group) { _ in
            ProtocolSelector(maxPrefixLength: 64) { _, bytes in
                // A swerve frame starts with a zero flags byte.
                if bytes.first == 0 { return EchoHandler() }
                let preface = ProtocolSelectorTests.preface
                let n = min(bytes.count, preface.count)
                if n == preface.count, bytes.prefix(n).elementsEqual(preface) { return PrefaceHandler() }
                return nil
            }
        }
    }

    override func tearDown() {
        server.shutdown(grace: .seconds(1))
        group.shutdown()
    }

    func testFrameBytesPickTheFrameHandler() throws {
        let s = try TestSocket(port: server.boundPort)
        let frame: [UInt8] = [0, 0, 0, 0, 3, 7, 8, 9]
        s.send(frame)
        XCTAssertEqual(s.read(count: frame.count), frame)
    }

    func testPrefaceSplitOverWritesIsBufferedThenHandedOverWhole() throws {
        let s = try TestSocket(port: server.boundPort)
        let preface = Self.preface
        s.send(Array(preface[..<5]))
        usleep(20_000) // pace only: the result is the same whether or not the two sends coalesce
        s.send(Array(preface[5...]) + Array("rest".utf8))
        let expected = Array("H2 ".utf8) + preface + Array("rest".utf8)
        XCTAssertEqual(s.read(count: expected.count), expected)
    }

    func testUnrecognisedBytesCloseTheConnectionUnanswered() throws {
        let s = try TestSocket(port: server.boundPort)
        s.send(Array(repeating: UInt8(ascii: "G"), count: 64))
        XCTAssertEqual(s.readToEnd(), [])
    }

    func testEndBeforeAChoiceClosesTheConnection() throws {
        let s = try TestSocket(port: server.boundPort)
        s.send(Array("PRI".utf8))
        s.shutdownWrite()
        XCTAssertEqual(s.readToEnd(), [])
    }

    func testErrorsNameTheProblem() {
        XCTAssertEqual("\(ProtocolSelector.SelectionError.unrecognised(limit: 64))", "the first 64 bytes match no protocol served on this port")
        XCTAssertTrue("\(ProtocolSelector.SelectionError.endedBeforeSelection(bytes: 3))".contains("after 3 bytes"))
    }
}
