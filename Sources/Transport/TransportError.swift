
/// Transport failures that are not a failed system call (those are `UVError`).
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A host string could not be parsed or resolved; carries the host and why.
    case invalidAddress(String, reason: String)
    /// The connection was not established within the connect timeout.
    case connectTimedOut(host: String, port: Int, after: Duration)
    /// No response arrived within the request (or read) timeout.
    case timedOut(after: Duration)
    /// The connection closed (by the peer, an error, or `close()`) before a
    /// response arrived.
    case connectionClosed
    /// The operation needs a connection and there is none.
    case notConnected
    /// The peer sent bytes that are not valid frames.
    case framing(FrameError)
    /// A call reused the id of a call still pending on the same connection.
    case duplicateRequestID(UInt64)
    /// The event loop or server has been shut down.
    case shutDown

    public var description: String {
        switch self {
        case .invalidAddress(let host, let reason): return "invalid address '\(host)': \(reason)"
        case .connectTimedOut(let host, let port, let after): return "connect to \(host):\(port) timed out after \(after)"
        case .timedOut(let after): return "no response within \(after)"
        case .connectionClosed: return "connection closed before a response arrived"
        case .notConnected: return "not connected"
        case .framing(let error): return "peer sent an invalid frame: \(error)"
        case .duplicateRequestID(let id): return "request id \(id) is already in use by a pending call"
        case .shutDown: return "shut down"
        }
    }
}
