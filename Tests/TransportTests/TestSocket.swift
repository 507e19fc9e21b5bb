import Transport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP client.
final class TestSocket {
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
