#if canImport(Glibc)
import Glibc
#endif

/// Creates the bound (not yet listening) sockets of a multi-loop server: one
/// per loop, all on the same address with `SO_REUSEPORT`, so each loop
/// accepts its own connections (see ``FrameServer`` for why). Shared by
/// ``FrameServer`` and ``StreamServer``.
enum ListeningSocket {
    /// Binds `count` sockets to `address`. Port 0 picks an ephemeral port for
    /// the first socket and binds the others to the port it got; a fixed port
    /// is first probed *without* `SO_REUSEPORT`, so a port someone already
    /// listens on is an error rather than silently shared.
    /// - Returns: the file descriptors (the caller owns them) and the port.
    static func bindAll(_ address: SocketAddress, count: Int) throws -> (fds: [Int32], port: Int) {
        if address.port != 0 { try checkPortIsFree(address) }
        var fds: [Int32] = []
        var bindAddress = address
        do {
            for _ in 0..<count {
                let fd = try makeListeningSocket(bindAddress)
                fds.append(fd)
                if bindAddress.port == 0 { bindAddress.port = try localPort(fd) }
            }
        } catch {
            for fd in fds { Glibc.close(fd) }
            throw error
        }
        return (fds, bindAddress.port)
    }

    private static func makeListeningSocket(_ address: SocketAddress) throws -> Int32 {
        let where_ = address.description
        let fd = try UVError.posix("socket for \(where_)") {
            socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        do {
            var one: Int32 = 1
            let size = socklen_t(MemoryLayout<Int32>.size)
            // SO_REUSEADDR: restart at once while old connections sit in TIME_WAIT.
            try UVError.posix("setsockopt(SO_REUSEADDR)") { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size) }
            try UVError.posix("setsockopt(SO_REUSEPORT)") { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, size) }
            try UVError.posix("bind \(where_)") { address.withSockAddr { bind(fd, $0, $1) } }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    private static func checkPortIsFree(_ address: SocketAddress) throws {
        let fd = try UVError.posix("socket for \(address)") {
            socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        defer { Glibc.close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        try UVError.posix("bind \(address)") { address.withSockAddr { bind(fd, $0, $1) } }
    }

    private static func localPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                _ = try UVError.posix("getsockname") { getsockname(fd, sa, &length) }
            }
        }
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(copying: $0)?.port ?? 0 }
        }
    }
}
