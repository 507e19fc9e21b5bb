#if canImport(Glibc)
import Glibc
#endif

/// Why a loopback test socket could not connect.
public struct LoopbackConnectError: Error, CustomStringConvertible {
    public let port: Int
    public let errno: Int32
    public var description: String { "connect to 127.0.0.1:\(port) failed: errno \(errno)" }
}

/// A blocking TCP socket connected to 127.0.0.1:`port`, with Nagle off and
/// reads bounded by `timeoutSeconds` (a hung server fails the test instead
/// of hanging it). The caller closes the descriptor.
public func connectLoopback(port: Int, timeoutSeconds: Int = 10) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LoopbackConnectError(port: port, errno: errno) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
        let error = LoopbackConnectError(port: port, errno: errno)
        close(fd)
        throw error
    }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    return fd
}
