import Wire

/// Why a client call failed.
public enum SwerveClientError: Error, Sendable, CustomStringConvertible {
    /// The server answered with a non-OK status.
    case status(Status)
    /// The connection failed: refused, reset, timed out.
    case transport(String)
    /// The server sent something that is not a valid answer to the call.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .status(let status): return status.description
        case .transport(let message): return "connection error: \(message)"
        case .protocolViolation(let message): return "protocol error: \(message)"
        }
    }
}
