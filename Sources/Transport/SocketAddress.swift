import CUV
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address (numeric), as libuv and the socket calls want it.
struct SocketAddress: CustomStringConvertible, @unchecked Sendable {
    private(set) var storage = sockaddr_storage()

    var family: Int32 { Int32(storage.ss_family) }

    var length: socklen_t {
        socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    init?(copying address: UnsafePointer<sockaddr>) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: MemoryLayout<sockaddr_in>.size)) }
        case AF_INET6:
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: MemoryLayout<sockaddr_in6>.size)) }
        default:
            return nil
        }
    }

    /// Parses a numeric IPv4 or IPv6 host ("127.0.0.1", "::1", "[::1]").
    /// Returns nil for anything else (such as a host name).
    init?(numericHost host: String, port: Int) {
        let bare = Self.stripBrackets(host)
        var v4 = sockaddr_in()
        if uv_ip4_addr(bare, Int32(port), &v4) == 0 {
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: v4) { dst.copyMemory(from: $0) } }
            return
        }
        var v6 = sockaddr_in6()
        if uv_ip6_addr(bare, Int32(port), &v6) == 0 {
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: v6) { dst.copyMemory(from: $0) } }
            return
        }
        return nil
    }

    /// Resolves `host` (numeric or a name) with a blocking `getaddrinfo`. For
    /// startup paths and the blocking client only; ``FrameClient`` resolves
    /// with `uv_getaddrinfo` on its loop instead.
    static func resolveBlocking(host: String, port: Int) throws -> [SocketAddress] {
        guard (0...65535).contains(port) else {
            throw TransportError.invalidAddress("\(host):\(port)", reason: "port must be in 0...65535")
        }
        if let numeric = SocketAddress(numericHost: host, port: port) { return [numeric] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(stripBrackets(host), String(port), &hints, &result)
        guard rc == 0, let first = result else {
            let reason = rc == 0 ? "no addresses" : String(cString: gai_strerror(rc))
            throw TransportError.invalidAddress(host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        return addresses(from: first)
    }

    /// Collects the IPv4/IPv6 addresses of an `addrinfo` list.
    static func addresses(from list: UnsafeMutablePointer<addrinfo>) -> [SocketAddress] {
        var out: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let info = cursor {
            if let sa = info.pointee.ai_addr, let address = SocketAddress(copying: sa) { out.append(address) }
            cursor = info.pointee.ai_next
        }
        return out
    }

    private static func stripBrackets(_ host: String) -> String {
        if host.hasPrefix("[") && host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
        return host
    }

    var port: Int {
        get {
            withUnsafeBytes(of: storage) { raw in
                if family == AF_INET6 {
                    return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
                }
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            }
        }
        set {
            let p = UInt16(truncatingIfNeeded: newValue).bigEndian
            let isV6 = family == AF_INET6
            withUnsafeMutableBytes(of: &storage) { raw in
                if isV6 {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = p
                } else {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = p
                }
            }
        }
    }

    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// The numeric host without the port (IPv6 without brackets).
    var host: String {
        var text = [CChar](repeating: 0, count: 64)
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                var a = raw.load(as: sockaddr_in6.self)
                _ = uv_ip6_name(&a, &text, text.count)
            } else {
                var a = raw.load(as: sockaddr_in.self)
                _ = uv_ip4_name(&a, &text, text.count)
            }
        }
        return String(cString: text)
    }

    var description: String {
        let host = self.host
        return family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
