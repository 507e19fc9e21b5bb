/// What went wrong with TLS, in OpenSSL's words.
public enum TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A certificate, key or CA file could not be used (the path and why).
    case configuration(String)
    /// The handshake failed: a plain-text peer, an untrusted or expired
    /// certificate, a missing client certificate, no common protocol version.
    case handshake(String)
    /// A record after the handshake could not be read or written (a bad
    /// record, an alert from the peer).
    case record(String)

    public var description: String {
        switch self {
        case .configuration(let reason): return "TLS configuration: \(reason)"
        case .handshake(let reason): return "TLS handshake failed: \(reason)"
        case .record(let reason): return "TLS error: \(reason)"
        }
    }
}
