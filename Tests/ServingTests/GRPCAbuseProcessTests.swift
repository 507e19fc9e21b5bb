import Foundation
import SwerveTestSupport
import XCTest

/// gRPC connections that misbehave, against a real `swerve serve`: each
/// bad connection is answered or closed, and the next one is served
/// (scripts/grpc-abuse-check.py, raw HTTP/2 frames through h2); and the
/// drain a SIGTERM starts.
final class GRPCAbuseProcessTests: XCTestCase {
    /// Bad preface, garbage after it, headers over the limit, a huge HEADERS
    /// block, a message over the limit, a reset mid-message, 10,000 streams.
    func testBadConnectionsAreAnsweredOrClosedAndTheNextIsServed() throws {
        let limit = 65_536
        let server = try SwerveProcess(models: TestPaths.models, arguments: ["--max-frame-bytes", String(limit)])
        let run = try GRPCCheck.run(["127.0.0.1:\(server.port)", "--max-message-bytes", String(limit)],
                                    script: "grpc-abuse-check.py", timeout: 240)
        XCTAssertEqual(run.status, 0, "grpc-abuse-check failed:\n\(run.stdout)\(run.stderr)\nserver stderr:\n\(server.standardError)")
        XCTAssertTrue(run.stdout.contains("grpc-abuse-check: all cases passed"), run.stdout)
        server.send(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 30), 0, "swerve did not stop cleanly:\n\(server.standardError)")
    }

    /// SIGTERM: an open HTTP/2 connection is sent GOAWAY (NO_ERROR), then
    /// closed, and the server exits 0.
    func testSIGTERMSendsGoAwayThenCloses() throws {
        let server = try SwerveProcess(models: TestPaths.models, arguments: ["--grace-seconds", "5"])
        let fd = try connectLoopback(port: server.port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The client preface and an empty SETTINGS frame.
        let hello = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
        XCTAssertEqual(hello.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }, hello.count)
        var frames = HTTP2FrameReader(fd: fd)
        let settings = try XCTUnwrap(frames.next(), "the server answers the preface")
        XCTAssertEqual(settings.type, 4, "the server's first frame is SETTINGS")

        server.send(SIGTERM)
        var goAway: (type: UInt8, payload: [UInt8])?
        while let frame = frames.next() {
            if frame.type == 7 { goAway = frame }
        }
        let frame = try XCTUnwrap(goAway, "GOAWAY before the close")
        XCTAssertEqual(Array(frame.payload[4..<8]), [0, 0, 0, 0], "GOAWAY says NO_ERROR")
        XCTAssertEqual(server.waitForExit(timeout: 30), 0, "swerve did not stop cleanly:\n\(server.standardError)")
    }
}

/// Reads whole HTTP/2 frames from a socket until it closes (or times out).
private struct HTTP2FrameReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
    }

    mutating func next() -> (type: UInt8, payload: [UInt8])? {
        while true {
            if buffer.count >= 9 {
                let length = Int(buffer[0]) << 16 | Int(buffer[1]) << 8 | Int(buffer[2])
                if buffer.count >= 9 + length {
                    let frame = (type: buffer[3], payload: Array(buffer[9..<9 + length]))
                    buffer.removeFirst(9 + length)
                    return frame
                }
            }
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
        }
    }
}
