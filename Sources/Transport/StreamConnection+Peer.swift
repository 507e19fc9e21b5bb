import CUV

extension StreamConnection {
    /// The remote host (numeric, without the port), e.g. "127.0.0.1" or
    /// "::1"; empty when the socket is closed or has no peer. A system call
    /// per use: read it when needed (a refusal, a per-host limit), not per request.
    public var remoteHost: String {
        guard let handle else { return "" }
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(handle, $0, &length) }
        }
        guard rc == 0, let address = withUnsafePointer(to: &storage, {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(copying: $0) }
        }) else { return "" }
        return address.host
    }
}
