import Primitives
import Transport
import XCTest

/// A stand-in for TLS: XORs inbound bytes with one key and outbound bytes with
/// another (so a missing transform in either direction shows), answers a raw
/// 0x00 byte itself with "ACK" (as a handshake would), and fails on a raw 0x01.
private final class XORTransform: ByteTransform {
    struct Bad: Error {}
    static let inKey: UInt8 = 0x5A
    static let outKey: UInt8 = 0x33
    let counts: Locked<(in: Int, out: Int)>

    init(counts: Locked<(in: Int, out: Int)>) { self.counts = counts }

    func inbound(_ bytes: UnsafeRawBufferPointer, deliver: (UnsafeRawBufferPointer) -> Void, reply: (UnsafeRawBufferPointer) -> Void) throws {
        var plain: [UInt8] = []
        for byte in bytes {
            if byte == 0x00 {
                Array("ACK".utf8).withUnsafeBytes { reply($0) }
            } else if byte == 0x01 {
                throw Bad()
            } else {
                plain.append(byte ^ Self.inKey)
            }
        }
        counts.withLock { $0.in += plain.count }
        if !plain.isEmpty { plain.withUnsafeBytes { deliver($0) } }
    }

    func outbound(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws {
        counts.withLock { $0.out += bytes.count }
        bytes.map { $0 ^ Self.outKey }.withUnsafeBytes { emit($0) }
    }

    // As TLS sends close_notify: last bytes on a graceful close, untransformed.
    func finish(emit: (UnsafeRawBufferPointer) -> Void) {
        Array("BYE".utf8).withUnsafeBytes { emit($0) }
    }
}

final class ByteTransformTests: XCTestCase {
    var group: EventLoopGroup!
    var server: StreamServer!
    let counts = Locked<(in: Int, out: Int)>((0, 0))

    override func setUpWithError() throws {
        group = try EventLoopGroup(loopCount: 1, name: "transform-test")
        let counts = self.counts
        server = try StreamServer(host: "127.0.0.1", port: 0, group: group) { connection in
            connection.setTransform(XORTransform(counts: counts))
            return EchoHandler(inPlace: 4) // both write paths go through the transform
        }
    }

    override func tearDown() {
        server.shutdown(grace: .seconds(1))
        group.shutdown()
    }

    func testHandlerSeesPlainBytesAndPeerSeesTransformedOnes() throws {
        let s = try TestSocket(port: server.boundPort)
        let plain = Array("hello, transformed world".utf8)
        s.send(plain.map { $0 ^ XORTransform.inKey })
        XCTAssertEqual(s.read(count: plain.count), plain.map { $0 ^ XORTransform.outKey })
        XCTAssertEqual(counts.withLock { $0.in }, plain.count)
        XCTAssertEqual(counts.withLock { $0.out }, plain.count)
    }

    func testTransformAnswersThePeerOnItsOwn() throws {
        let s = try TestSocket(port: server.boundPort)
        s.send([0x00])
        XCTAssertEqual(s.read(count: 3), Array("ACK".utf8))
        XCTAssertEqual(counts.withLock { $0.in }, 0, "the handler got nothing")
    }

    func testGracefulCloseSendsTheTransformsLastBytesBeforeTheFIN() throws {
        let s = try TestSocket(port: server.boundPort)
        let plain = Array("last".utf8)
        s.send(plain.map { $0 ^ XORTransform.inKey })
        s.shutdownWrite() // EchoHandler closes gracefully on EOF
        XCTAssertEqual(s.readToEnd(), plain.map { $0 ^ XORTransform.outKey } + Array("BYE".utf8))
    }

    func testTransformErrorClosesTheConnection() throws {
        let s = try TestSocket(port: server.boundPort)
        s.send([0x01])
        XCTAssertEqual(s.readToEnd(), [])
    }
}
