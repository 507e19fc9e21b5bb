import SwerveTestSupport
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP client.
final class TestSocket {
    let fd: Int32

    init(port: Int) throws {
        fd = try connectLoopback(port: port)
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

/// Echoes what it reads (the first `inPlace` bytes of each read through
/// ``StreamConnection/write(reserving:_:)``, the rest by copy) and records
/// it; on the peer's EOF, closes gracefully (the echo still goes out first).
final class EchoHandler: StreamHandler {
    let tag: String
    private(set) var seen: [UInt8] = []
    private let inPlace: Int

    init(tag: String = "echo", inPlace: Int = 0) {
        self.tag = tag
        self.inPlace = inPlace
    }

    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        seen += bytes
        let split = min(inPlace, bytes.count)
        if split > 0 {
            connection.write(reserving: split) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<split])) }
        }
        connection.write(UnsafeRawBufferPointer(rebasing: bytes[split...]))
    }
    func streamDidReadEOF(_ connection: StreamConnection) { connection.closeGracefully() }
    func streamDidWrite(_ connection: StreamConnection) {}
    func streamDidClose(_ connection: StreamConnection) {}
}
