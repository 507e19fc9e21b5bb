/// Why a Redis call failed.
public enum RedisError: Error, Sendable, CustomStringConvertible {
    /// The connection could not be made, broke, or timed out: it is dropped
    /// and made again on the next call.
    case connection(String)
    /// No reply within the command timeout (a hung or overloaded Redis);
    /// the connection is dropped too.
    case timedOut(String)
    /// Redis answered with an error reply; the connection is still good.
    case reply(String)
    /// Redis answered with something this code did not expect.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .connection(let m): return m
        case .timedOut(let m): return m
        case .reply(let m): return "error reply: \(m)"
        case .protocolViolation(let m): return "unexpected reply: \(m)"
        }
    }
}
